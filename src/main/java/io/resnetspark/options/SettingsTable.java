package io.resnetspark.options;

import java.util.ArrayList;
import java.util.List;

/**
 * The settings as one Markdown table, every front end's spelling side by side: what README.md
 * shows under "Settings" and {@code jobs/resnet settings} prints.
 */
public final class SettingsTable {

    private SettingsTable() {}

    public static String markdown() {
        StringBuilder table = new StringBuilder();
        table.append("| transformer param | Spark SQL setting | job key (HOCON) | default | meaning |\n");
        table.append("|---|---|---|---|---|\n");
        for (Setting<?> setting : ScoringSettings.ALL) {
            String defaultText = setting.defaultText().isEmpty() ? "(none)" : "`" + setting.defaultText() + "`";
            String meaning = setting.doc() + (setting.requirement().isEmpty() ? "" : "; " + setting.requirement());
            table.append("| ").append(cell(setting, FrontEnd.TRANSFORMER))
                    .append(" | ").append(cell(setting, FrontEnd.SQL))
                    .append(" | ").append(cell(setting, FrontEnd.JOB))
                    .append(" | ").append(defaultText)
                    .append(" | ").append(meaning.replace("|", "\\|"))
                    .append(" |\n");
        }
        return table.toString();
    }

    private static String cell(Setting<?> setting, FrontEnd frontEnd) {
        if (!setting.in(frontEnd)) {
            return "—";
        }
        String cell = "`" + setting.spelling(frontEnd) + "`";
        List<String> old = new ArrayList<>();
        for (String alias : setting.aliases(frontEnd)) {
            old.add("`" + alias + "`");
        }
        return old.isEmpty() ? cell : cell + " (was " + String.join(", ", old) + ")";
    }
}
