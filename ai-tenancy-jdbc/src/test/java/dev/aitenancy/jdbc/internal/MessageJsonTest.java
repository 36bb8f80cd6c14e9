package dev.aitenancy.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.ToolCall;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stored JSON form of a message: exact both ways, and text it did not write is refused without echoing it. */
class MessageJsonTest {

    @Test
    void everyKindOfMessageReadsBackEqual() {
        ToolCall call = new ToolCall("call_1", "lookup", "{\"q\": \"cat\"}");
        for (Message m : List.of(Message.system("rules"), Message.user(Part.text("see"),
                        Part.imageUrl("https://example.com/a.gif"), Part.imageBase64("image/png", "iVBORw0KGgo=")),
                Message.assistant("", List.of(call)), Message.assistant(null, List.of(call)),
                Message.toolResult(call, "{\"hit\":1}"))) {
            assertThat(MessageJson.read(MessageJson.write(m))).isEqualTo(m);
        }
        assertThat(MessageJson.write(Message.user("hi")))
                .isEqualTo("{\"v\":1,\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"hi\"}]}");
    }

    @Test
    void textItDidNotWriteIsRefusedWithoutRepeatingIt() {
        String planted = "planted-secret";
        assertRefused("not json " + planted, "a stored message is not JSON");
        assertRefused("{\"v\":2,\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"" + planted + "\"}]}",
                "a stored message is not in a format this version reads");
        assertRefused("{\"v\":1,\"role\":\"narrator\",\"parts\":[{\"type\":\"text\",\"text\":\"" + planted + "\"}]}",
                "a stored message has an unknown role narrator");
        assertRefused("{\"v\":1,\"role\":\"user\",\"parts\":[{\"type\":\"audio\",\"text\":\"" + planted + "\"}]}",
                "a stored message has a part of unknown type audio");
        assertRefused("{\"v\":1,\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":7}]}",
                "a stored message's text is not text");
        assertRefused("{\"v\":1,\"role\":\"assistant\",\"parts\":[],\"toolCalls\":[{\"name\":\"" + planted + "\"}]}",
                "a stored message lacks its id");
    }

    private static void assertRefused(String json, String message) {
        IllegalArgumentException e = catchThrowableOfType(IllegalArgumentException.class, () -> MessageJson.read(json));
        assertThat(e).as(json).isNotNull();
        assertThat(e).hasMessage(message).hasNoCause();
    }
}
