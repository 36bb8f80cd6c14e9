/**
 * Not API: the classes that serve the admin and generate endpoints, and may change in any release.
 * The endpoints' wire format (paths, JSON shapes, status codes, error bodies) is the API; the
 * request and response records that define its JSON shapes are in
 * {@link dev.aitenancy.spring.internal.wire}.
 *
 * <p>Each {@code *Endpoints} class authorizes first ({@link dev.aitenancy.spring.internal.AdminSupport#authorize}:
 * 401, 400 for a malformed org id, 403, 404), then reads its body into a request record
 * ({@link dev.aitenancy.spring.internal.AdminSupport#read}), calls the library, and answers a
 * response record; {@link dev.aitenancy.spring.internal.AdminEndpoint} turns every failure into
 * {@code {"code","message"}}. Request bodies are taken from Spring as text and capped by
 * {@link dev.aitenancy.spring.internal.RequestBodyLimit}, and responses handed to Spring as bytes:
 * JSON is read and written by the starter's own mappers only, never by the application's. (This
 * relies on Spring's byte-array and string converters coming before any JSON converter, as they do
 * unless the application puts its own JSON converter first.)
 */
package dev.aitenancy.spring.internal;
