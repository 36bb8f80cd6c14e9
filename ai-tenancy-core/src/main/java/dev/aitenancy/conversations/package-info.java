/**
 * Conversations kept per org and user: the {@link dev.aitenancy.conversations.ConversationStore} SPI
 * and its values. A call naming a conversation sends its last messages with the new one and appends
 * the exchange only when the call succeeds.
 */
package dev.aitenancy.conversations;
