package dev.aitenancy.provider;

import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.ResponseFormat;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.chat.ToolCall;
import dev.aitenancy.keys.ApiKey;
import java.time.Duration;
import java.util.List;

/** One rich conversation every provider's wire test sends: every kind of message, a tool, a schema. */
public final class ChatFixtures {

    public static final String PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    public static final ToolCall WEATHER_CALL = new ToolCall("call_w1", "get_weather", "{\"city\":\"Paris\"}");

    public record WeatherArgs(String city) {
    }

    public record Forecast(String city, int celsius, List<String> notes) {
    }

    public static final Tool WEATHER = Tool.of("get_weather", "The current weather in a city", WeatherArgs.class);

    private ChatFixtures() {
    }

    /** system message, user text + URL image + inline image, assistant text + tool call, tool result, user again. */
    public static List<Message> conversation() {
        return List.of(
                Message.system("Answer in French."),
                Message.user(Part.text("What is in these pictures?"), Part.imageUrl("https://example.com/cat.png"),
                        Part.imageBase64("image/png", PNG_BASE64)),
                Message.assistant("Let me check the weather first.", List.of(WEATHER_CALL)),
                Message.toolResult(WEATHER_CALL, "{\"celsius\":21}"),
                Message.user("And tomorrow?"));
    }

    public static ProviderRequest request(String model, ApiKey key, ResponseFormat format, List<Tool> tools) {
        return new ProviderRequest("acme", model, "You are terse.", conversation(), tools, format, 256, null, key,
                "corr-1", Duration.ofSeconds(5));
    }

    public static ProviderRequest simple(String model, ApiKey key, ResponseFormat format, List<Tool> tools) {
        return new ProviderRequest("acme", model, null, List.of(Message.user("Weather in Paris as JSON?")), tools,
                format, 256, null, key, "corr-2", Duration.ofSeconds(5));
    }
}
