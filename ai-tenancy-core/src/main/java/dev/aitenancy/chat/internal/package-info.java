/** JSON Schemas for tools and structured answers: derived from Java types, read and checked. */
package dev.aitenancy.chat.internal;
