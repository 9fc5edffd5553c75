package io.resnetspark.cli;

import io.resnetspark.options.SettingsTable;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code jobs/resnet settings}: the scoring settings of all three front ends, as a Markdown table. */
@Command(name = "settings", mixinStandardHelpOptions = true,
        description = "Print the scoring settings: transformer param, Spark SQL setting, job key, default, meaning.")
final class SettingsCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.out.print(SettingsTable.markdown());
        return 0;
    }
}
