// Calls to the ai-tenancy endpoints, which live one level above the console: {base-path}/...
const BASE = new URL('../', import.meta.url);

/** An error answer of an endpoint: its HTTP status, code and message. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter; // seconds, from Retry-After (rate limits)
  }
}

/** The URL of an endpoint path such as "orgs/acme/usage", with query parameters (empty ones left out). */
export function url(path, params = {}) {
  const u = new URL(path, BASE);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') {
      u.searchParams.set(k, v);
    }
  }
  return u.toString();
}

/** The CSRF token Spring Security's CookieCsrfTokenRepository.withHttpOnlyFalse() leaves in XSRF-TOKEN, if any. */
function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)XSRF-TOKEN=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : null;
}

function headers(method, json, accept) {
  const h = { Accept: accept };
  if (json) {
    h['Content-Type'] = 'application/json';
  }
  const token = method === 'GET' ? null : csrfToken();
  if (token) {
    h['X-XSRF-TOKEN'] = token;
  }
  return h;
}

async function errorOf(response) {
  let code = 'HTTP_' + response.status;
  let message = 'the server answered ' + response.status + ' ' + response.statusText;
  try {
    const body = await response.json();
    if (body && typeof body.message === 'string') {
      code = body.code || code;
      message = body.message;
    }
  } catch (ignored) {
    // not a JSON error body: keep the status line
  }
  const retry = Number(response.headers.get('Retry-After'));
  return new ApiError(response.status, code, message, Number.isFinite(retry) && retry > 0 ? retry : null);
}

/** Sends a request and answers the JSON body; an error answer is thrown as an ApiError. */
export async function api(method, path, { params, body } = {}) {
  const response = await fetch(url(path, params), {
    method,
    headers: headers(method, body !== undefined, 'application/json'),
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (!response.ok) {
    throw await errorOf(response);
  }
  return response.json();
}

/**
 * POSTs body and reads the answer as a server-sent event stream, calling onEvent(name, data) for
 * every event; a refusal before the stream starts is thrown as an ApiError.
 */
export async function stream(path, body, onEvent) {
  const response = await fetch(url(path), {
    method: 'POST',
    headers: headers('POST', true, 'text/event-stream'),
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (!response.ok) {
    throw await errorOf(response);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
    buffer = buffer.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) {
          name = line.slice(6).trim();
        } else if (line.startsWith('data:')) {
          data.push(line.slice(5));
        }
      }
      if (data.length > 0) {
        onEvent(name, JSON.parse(data.join('\n')));
      }
    }
    if (done) {
      return;
    }
  }
}
