/**
 * The JSON shapes of the admin and generate endpoints, one record per body: {@code *Request}
 * records are what the endpoints read, {@code *View} records (and {@code GenerateResult}) what they
 * answer, grouped by endpoint ({@code ProviderWire}, {@code ModelWire}, {@code GovernanceWire},
 * {@code GuardrailWire}, {@code UsageWire}, {@code GenerateWire}, {@code PreferenceWire};
 * {@code ErrorView} for every error).
 *
 * <p><b>Not API as Java types</b> — they may be renamed or regrouped in any release — but the JSON
 * they define <em>is</em> the endpoints' wire format: a field's name, position, JSON type and
 * nullness change only as a change of the HTTP API (the starter's {@code WireFormatTest} holds a
 * transcript of every endpoint).
 *
 * <p>Rules the records keep:
 * <ul>
 *   <li>A response is built component by component from the library's values ({@code View.of(...)}):
 *       a component is a JSON value or another record of this package (a guardrail's rule, which has
 *       a JSON form of its own, aside), so nothing reaches a response that was not chosen to. A
 *       provider key has no component anywhere but {@code ApiKeyRequest.apiKey}; responses carry the
 *       masked form only.</li>
 *   <li>Fields are written in component order, nulls included, decimals as plain numbers.</li>
 *   <li>A request field must have its component's JSON kind: no string for a number, no number for
 *       a string or boolean, no fraction for a whole number; a decimal amount may be a string holding
 *       a number. Enum-like values are strings, accepted in any case by the endpoint.</li>
 *   <li>Fields a request record does not have are ignored ({@code @JsonIgnoreProperties(ignoreUnknown
 *       = true)} on each); inside a guardrail rule they are refused, naming the field.</li>
 *   <li>{@link dev.aitenancy.spring.internal.wire.WireJson} holds the mappers: the application's
 *       {@code ObjectMapper} and its Jackson settings never apply.</li>
 * </ul>
 */
package dev.aitenancy.spring.internal.wire;
