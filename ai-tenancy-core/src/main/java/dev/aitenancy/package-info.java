/**
 * The API: {@link dev.aitenancy.LLMJob} (run, runAsync, stream), its requests, results and stream
 * events, and the sealed {@link dev.aitenancy.AiTenancyException} hierarchy with stable
 * {@link dev.aitenancy.ErrorCode}s. Package-private classes here carry one call's state and are not API.
 */
package dev.aitenancy;
