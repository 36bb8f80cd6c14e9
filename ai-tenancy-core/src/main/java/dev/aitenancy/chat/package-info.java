/**
 * What a call can carry beyond one rendered prompt: a list of {@link dev.aitenancy.chat.Message}s
 * (text and image parts, tool calls and their results), the {@link dev.aitenancy.chat.Tool}s a model
 * may call, and a {@link dev.aitenancy.chat.ResponseFormat} asking for JSON. Every provider client maps
 * them to its own wire format.
 */
package dev.aitenancy.chat;
