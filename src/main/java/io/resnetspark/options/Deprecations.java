package io.resnetspark.options;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs, once per JVM and old name, that a renamed setting was used by its old name. */
public final class Deprecations {

    private static final Logger LOG = LoggerFactory.getLogger(Deprecations.class);
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private Deprecations() {}

    public static void renamed(String oldName, String newName) {
        if (WARNED.add(oldName)) {
            LOG.warn("'{}' is deprecated and will be removed in a later release; use '{}' (same meaning)", oldName, newName);
        }
    }
}
