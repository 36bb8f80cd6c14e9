/**
 * API: the {@code KeyStore} SPI, provider keys, the Tink master-key cipher, the caching store and
 * key administration.
 */
package dev.aitenancy.keys;
