package readme;

import dev.aitenancy.AiTenancy;
import dev.aitenancy.JobRequest;
import dev.aitenancy.JobResult;
import dev.aitenancy.ToolLoop;
import dev.aitenancy.chat.Message;
import dev.aitenancy.chat.Part;
import dev.aitenancy.chat.Tool;
import dev.aitenancy.conversations.Conversation;
import dev.aitenancy.keys.ApiKey;
import dev.aitenancy.models.ModelRef;
import dev.aitenancy.provider.ProviderId;
import dev.aitenancy.tenant.OrgId;
import java.util.List;

public class ChatFeatures {
    record Trip(String city, int days, List<String> packing) {
    }

    record City(String city) {
    }

    public static void main(String[] args) {
        OrgId org = OrgId.of("acme");
        try (AiTenancy ai = AiTenancy.inMemory().build()) {
            ai.keys().upsert(org, ProviderId.OPENAI, ApiKey.of(System.getenv("OPENAI_API_KEY")), "admin@acme");
            ai.admin().useModel(org, ModelRef.of(ProviderId.OPENAI, "gpt-4.1-mini"), "admin@acme");

            // messages instead of (or before) a template: system, user (text and images), assistant, tool results
            JobResult seen = ai.llm().run(JobRequest.messages(org,
                    Message.system("Answer in French."),
                    Message.user(Part.text("What is in this picture?"), Part.imageUrl("https://example.com/cat.png")))
                    .user("u-42").build());

            // a conversation of the user's: its last messages go first; the exchange is kept when the call succeeds
            Conversation c = ai.conversations().create(org, "u-42", "trip");
            ai.llm().run(JobRequest.messages(org, Message.user("Suggest a city.")).user("u-42").conversation(c.id()).build());
            ai.llm().run(JobRequest.messages(org, Message.user("What do I pack?")).user("u-42").conversation(c.id()).build());

            // JSON checked against the schema of a record, then read into it
            Trip trip = ai.llm().run(JobRequest.builder(org, "Plan a 3-day trip as JSON.").user("u-42")
                    .responseFormat(Trip.class).build()).as(Trip.class);

            // tools: the model asks, ToolLoop runs the host's function and sends the result back
            JobResult answer = ToolLoop.on(ai.llm())
                    .tool(Tool.of("get_weather", "The weather in a city", City.class),
                            call -> "{\"celsius\": 21, \"city\": \"" + call.arguments(City.class).city() + "\"}")
                    .maxRounds(4)
                    .run(JobRequest.builder(org, "Umbrella in Paris today?").user("u-42").build());

            System.out.println(seen.text() + "\n" + trip + "\n" + answer.text() + "\n"
                    + ai.conversations().find(org, "u-42", c.id()).orElseThrow().messageCount() + " messages kept");
        }
    }
}
