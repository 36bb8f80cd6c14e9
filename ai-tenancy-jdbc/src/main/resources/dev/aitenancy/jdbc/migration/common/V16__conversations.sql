-- Conversations per org and user: the header, and its messages in order (seq 1, 2, … without gaps).
-- An append raises message_count and updated_at with one UPDATE (which locks the row), then inserts
-- the exchange's messages at the seq numbers that follow the old count, in the same transaction.
CREATE TABLE ai_conversations (
    id            UUID          NOT NULL PRIMARY KEY,
    org_id        VARCHAR(128)  NOT NULL,
    user_id       VARCHAR(256)  NOT NULL,
    title         VARCHAR(200),
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    message_count BIGINT        NOT NULL
);
-- a user's conversations, most recently active first (keyset pages)
CREATE INDEX ai_conversations_owner ON ai_conversations (org_id, user_id, updated_at DESC, id DESC);
-- an org's conversations in the same order, and the retention purge (org_id, updated_at < ?)
CREATE INDEX ai_conversations_org ON ai_conversations (org_id, updated_at DESC, id DESC);

-- One message per row; body is the message as JSON (role, parts, tool calls, tool result ids).
-- Deleting a conversation deletes its messages (ON DELETE CASCADE).
CREATE TABLE ai_conversation_messages (
    conversation_id UUID         NOT NULL,
    seq             BIGINT       NOT NULL,
    role            VARCHAR(16)  NOT NULL,
    body            TEXT         NOT NULL,
    usage_record_id UUID,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT ai_conversation_messages_pk PRIMARY KEY (conversation_id, seq),
    CONSTRAINT ai_conversation_messages_conversation FOREIGN KEY (conversation_id)
        REFERENCES ai_conversations (id) ON DELETE CASCADE
);
