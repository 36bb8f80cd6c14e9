/**
 * API: prompt templates ({@code {{name}}}) and the versioned {@code TemplateStore} SPI.
 */
package dev.aitenancy.template;
