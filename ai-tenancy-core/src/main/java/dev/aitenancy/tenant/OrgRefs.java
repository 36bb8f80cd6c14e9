package dev.aitenancy.tenant;

import dev.aitenancy.ErrorCode;
import dev.aitenancy.InvalidRequestException;
import java.lang.annotation.Annotation;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.util.UUID;

/**
 * Turns whatever a host passes as "the org" into an {@link OrgId}: a {@code String} id, a
 * {@code UUID}, an {@link OrgRef}, or an entity whose id field or getter carries
 * {@code jakarta.persistence.Id} (or the older {@code javax.persistence.Id}). The annotation is
 * read by name, so JPA need not be on the class path.
 */
public final class OrgRefs {

    private static final String[] ID_ANNOTATIONS = {"jakarta.persistence.Id", "javax.persistence.Id"};

    private static final ClassValue<AccessibleObject> ID_ACCESSOR = new ClassValue<>() {
        @Override
        protected AccessibleObject computeValue(Class<?> type) {
            return findIdAccessor(type);
        }
    };

    private OrgRefs() {
    }

    /**
     * @throws InvalidRequestException {@code AI_INVALID_REQUEST} for null, a blank id, an entity
     *                                 whose id is still null, or an unsupported type
     */
    public static OrgId resolve(Object org) {
        if (org == null) {
            throw invalid("no org given: pass the org's id (String or UUID), an OrgRef, or its JPA entity");
        }
        if (org instanceof OrgId id) {
            return id;
        }
        if (org instanceof String s) {
            return OrgId.of(s.strip());
        }
        if (org instanceof UUID u) {
            return OrgId.of(u.toString());
        }
        if (org instanceof OrgRef ref) {
            return OrgId.of(ref.orgId());
        }
        AccessibleObject accessor = ID_ACCESSOR.get(org.getClass());
        if (accessor == null) {
            throw invalid("cannot tell which org a " + org.getClass().getName() + " is: pass a String or UUID id, "
                    + "implement dev.aitenancy.tenant.OrgRef, or annotate its id with jakarta.persistence.Id");
        }
        Object id;
        try {
            id = accessor instanceof Field f ? f.get(org) : ((Method) accessor).invoke(org);
        } catch (ReflectiveOperationException e) {
            throw invalid("could not read the @Id of " + org.getClass().getName() + ": " + e);
        }
        if (id == null) {
            throw invalid("the " + org.getClass().getSimpleName() + " passed as org has no id yet; save it first");
        }
        return OrgId.of(id.toString());
    }

    private static AccessibleObject findIdAccessor(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (hasIdAnnotation(f.getDeclaredAnnotations())) {
                    return open(f);
                }
            }
            for (Method m : c.getDeclaredMethods()) {
                if (m.getParameterCount() == 0 && hasIdAnnotation(m.getDeclaredAnnotations())) {
                    return open(m);
                }
            }
        }
        return null;
    }

    private static <T extends AccessibleObject & Member> T open(T member) {
        try {
            member.setAccessible(true);
        } catch (RuntimeException e) {
            throw invalid("the @Id of " + member.getDeclaringClass().getName()
                    + " is not accessible; open its package to dev.aitenancy or implement OrgRef");
        }
        return member;
    }

    private static boolean hasIdAnnotation(Annotation[] annotations) {
        for (Annotation a : annotations) {
            String name = a.annotationType().getName();
            for (String id : ID_ANNOTATIONS) {
                if (id.equals(name)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static InvalidRequestException invalid(String message) {
        return new InvalidRequestException(ErrorCode.AI_INVALID_REQUEST, null, message);
    }
}
