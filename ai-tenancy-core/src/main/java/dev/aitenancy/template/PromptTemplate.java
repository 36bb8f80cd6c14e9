package dev.aitenancy.template;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.TemplateException;
import dev.aitenancy.internal.Properties;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A prompt with {@code {{name}}} and {@code {{a.b.c}}} placeholders, filled from a context map
 * whose values may be maps, records or beans. Rendering is one pass: inserted values are plain
 * text and are never evaluated again, so a value containing {@code {{x}}} stays as it is.
 *
 * <p>Parsed once, rendered many times; instances are immutable and thread safe.
 */
public final class PromptTemplate {

    private static final Pattern PATH = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

    private sealed interface Part permits Literal, Variable {
    }

    private record Literal(String text) implements Part {
    }

    private record Variable(String path, String[] segments) implements Part {
    }

    private final String source;
    private final List<Part> parts;

    private PromptTemplate(String source, List<Part> parts) {
        this.source = source;
        this.parts = parts;
    }

    /**
     * Parses a template.
     *
     * @throws TemplateException {@code AI_TEMPLATE_INVALID} for an unclosed <code>&#123;&#123;</code> or a
     *                           placeholder that is not a dotted name
     */
    public static PromptTemplate parse(String template) {
        Objects.requireNonNull(template, "template");
        List<Part> parts = new ArrayList<>();
        int pos = 0;
        while (pos < template.length()) {
            int open = template.indexOf("{{", pos);
            if (open < 0) {
                parts.add(new Literal(template.substring(pos)));
                break;
            }
            if (open > pos) {
                parts.add(new Literal(template.substring(pos, open)));
            }
            int close = template.indexOf("}}", open + 2);
            if (close < 0) {
                throw new TemplateException(ErrorCode.AI_TEMPLATE_INVALID, null,
                        "the template has an unclosed '{{' at position " + open + "; close it with '}}'");
            }
            String path = template.substring(open + 2, close).strip();
            if (!PATH.matcher(path).matches()) {
                throw new TemplateException(ErrorCode.AI_TEMPLATE_INVALID, null, "'{{" + path
                        + "}}' at position " + open + " is not a variable name; use {{name}} or {{a.b}}");
            }
            parts.add(new Variable(path, path.split("\\.")));
            pos = close + 2;
        }
        return new PromptTemplate(template, List.copyOf(parts));
    }

    /**
     * Parses and renders in one go. The templates parsed here are kept (the first 512 of up to
     * 16,384 characters), so a template used call after call is parsed once.
     */
    public static String render(String template, Map<String, ?> context) {
        PromptTemplate parsed = PARSED.get(Objects.requireNonNull(template, "template"));
        if (parsed == null) {
            parsed = parse(template);
            if (template.length() <= MAX_KEPT_LENGTH && PARSED.size() < MAX_KEPT) {
                PARSED.put(template, parsed);
            }
        }
        return parsed.render(context);
    }

    private static final int MAX_KEPT = 512;
    private static final int MAX_KEPT_LENGTH = 16_384;
    private static final Map<String, PromptTemplate> PARSED = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Fills every placeholder from {@code context}.
     *
     * @throws TemplateException {@code AI_TEMPLATE_MISSING_VARIABLE} naming the first variable
     *                           that is missing or null
     */
    public String render(Map<String, ?> context) {
        Map<String, ?> ctx = context == null ? Map.of() : context;
        StringBuilder out = new StringBuilder(source.length() + 64);
        for (Part part : parts) {
            if (part instanceof Literal l) {
                out.append(l.text());
            } else {
                Variable v = (Variable) part;
                out.append(resolve(v, ctx));
            }
        }
        return out.toString();
    }

    /** The variable paths this template uses, in order of first appearance. */
    public List<String> variables() {
        return parts.stream().filter(Variable.class::isInstance).map(p -> ((Variable) p).path()).distinct().toList();
    }

    private static String resolve(Variable v, Map<String, ?> ctx) {
        Object current = ctx;
        for (int i = 0; i < v.segments().length; i++) {
            String seg = v.segments()[i];
            Properties.Lookup found = Properties.get(current, seg);
            if (!found.present() || found.value() == null) {
                String where = i == 0 ? "the context" : "'" + String.join(".", java.util.Arrays.copyOf(v.segments(), i))
                        + "'";
                throw new TemplateException(ErrorCode.AI_TEMPLATE_MISSING_VARIABLE, null,
                        "the template variable '" + v.path() + "' has no value: " + where
                                + (found.present() ? " has '" + seg + "' set to null" : " has no '" + seg + "'")
                                + "; add it to the context");
            }
            current = found.value();
        }
        return String.valueOf(current);
    }

    @Override
    public String toString() {
        return "PromptTemplate[" + variables() + "]";
    }
}
