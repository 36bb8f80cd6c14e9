package dev.aitenancy.examples.properties;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The whole application: everything ai-tenancy needs is in {@code application.properties} (orgs,
 * their keys and models, the callers of the endpoints, the provider's base URL).
 */
@SpringBootApplication
public class PropertiesOnlyApp {

    public static void main(String[] args) {
        SpringApplication.run(PropertiesOnlyApp.class, args);
    }
}
