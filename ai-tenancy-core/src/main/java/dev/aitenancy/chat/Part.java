package dev.aitenancy.chat;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;

/** One part of a message's content: text, or an image for models that take images. */
public sealed interface Part permits Part.Text, Part.Image {

    static Text text(String text) {
        return new Text(text);
    }

    /**
     * An image the provider fetches from {@code url} ({@code https:} or {@code gs:}). Gemini needs
     * its media type: it is taken from the file name ({@code .png}, {@code .jpg}, {@code .jpeg},
     * {@code .gif}, {@code .webp}) when this form is used.
     */
    static Image imageUrl(String url) {
        return new Image(url, Image.mediaTypeOf(url), null);
    }

    /** An image sent inline, base64-encoded, with its media type (e.g. {@code image/png}). */
    static Image imageBase64(String mediaType, String base64Data) {
        return new Image(null, mediaType, base64Data);
    }

    /** An image sent inline from its bytes. */
    static Image image(String mediaType, byte[] bytes) {
        return new Image(null, mediaType, Base64.getEncoder().encodeToString(bytes));
    }

    /** Text. */
    record Text(String text) implements Part {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * An image, either at a URL or inline.
     *
     * @param url        where the provider fetches it, or null when inline
     * @param mediaType  e.g. {@code image/png}; required inline, may be null for a URL
     * @param base64Data the image bytes in base64 when inline, else null
     */
    record Image(String url, String mediaType, String base64Data) implements Part {

        /**
         * @throws InvalidRequestException {@code AI_INVALID_REQUEST} when neither or both of url and
         *                                 data are given, or inline data has no image media type
         */
        public Image {
            if ((url == null) == (base64Data == null)) {
                throw invalid("an image part needs either a URL or inline base64 data");
            }
            if (url != null && !(url.startsWith("https://") || url.startsWith("http://") || url.startsWith("gs://"))) {
                throw invalid("an image URL must start with https://, http:// or gs://; send other images inline");
            }
            if (base64Data != null && (mediaType == null || !mediaType.startsWith("image/"))) {
                throw invalid("an inline image needs its media type, e.g. image/png");
            }
        }

        /** This image as a {@code data:} URL when inline, else its URL. */
        public String asUrl() {
            return url != null ? url : "data:" + mediaType + ";base64," + base64Data;
        }

        static String mediaTypeOf(String url) {
            if (url == null) {
                return null;
            }
            String path = url.toLowerCase(Locale.ROOT);
            int query = path.indexOf('?');
            path = query >= 0 ? path.substring(0, query) : path;
            if (path.endsWith(".png")) {
                return "image/png";
            } else if (path.endsWith(".jpg") || path.endsWith(".jpeg")) {
                return "image/jpeg";
            } else if (path.endsWith(".gif")) {
                return "image/gif";
            } else if (path.endsWith(".webp")) {
                return "image/webp";
            }
            return null;
        }

        private static InvalidRequestException invalid(String message) {
            return new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, message);
        }
    }
}
