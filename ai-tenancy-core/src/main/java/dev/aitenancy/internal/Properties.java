package dev.aitenancy.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Reads a named property of a map, a record or a bean (getter, {@code isX}, or {@code x()}). */
public final class Properties {

    /** The result of a lookup: whether the property exists, and its value. */
    public record Lookup(boolean present, Object value) {
        static final Lookup ABSENT = new Lookup(false, null);
    }

    private static final Map<Class<?>, Map<String, Method>> ACCESSORS = new ConcurrentHashMap<>();

    private Properties() {
    }

    public static Lookup get(Object target, String name) {
        if (target == null) {
            return Lookup.ABSENT;
        }
        if (target instanceof Map<?, ?> map) {
            return map.containsKey(name) ? new Lookup(true, map.get(name)) : Lookup.ABSENT;
        }
        Method m = ACCESSORS.computeIfAbsent(target.getClass(), c -> new ConcurrentHashMap<>())
                .computeIfAbsent(name, n -> find(target.getClass(), n).orElse(NONE));
        if (m == NONE) {
            return Lookup.ABSENT;
        }
        try {
            return new Lookup(true, m.invoke(target));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("could not read '" + name + "' of " + target.getClass().getName(), e);
        }
    }

    private static final Method NONE;

    static {
        try {
            NONE = Object.class.getMethod("hashCode");
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static java.util.Optional<Method> find(Class<?> type, String name) {
        if (type.isRecord()) {
            for (RecordComponent rc : type.getRecordComponents()) {
                if (rc.getName().equals(name)) {
                    return accessible(rc.getAccessor());
                }
            }
            return java.util.Optional.empty();
        }
        String cap = name.substring(0, 1).toUpperCase(Locale.ROOT) + name.substring(1);
        for (String candidate : new String[] {"get" + cap, "is" + cap, name}) {
            try {
                Method m = type.getMethod(candidate);
                if (m.getParameterCount() == 0 && m.getReturnType() != void.class
                        && !Modifier.isStatic(m.getModifiers()) && m.getDeclaringClass() != Object.class) {
                    return accessible(m);
                }
            } catch (NoSuchMethodException ignored) {
                // try the next naming style
            }
        }
        return java.util.Optional.empty();
    }

    private static java.util.Optional<Method> accessible(Method m) {
        try {
            m.setAccessible(true);
        } catch (RuntimeException ignored) {
            // public methods of public types work without it
        }
        return java.util.Optional.of(m);
    }
}
