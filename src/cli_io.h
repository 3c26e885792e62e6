/*
 * cli_io.h - what the import, export and backup commands share (cli_import.c,
 * cli_export.c, cli_backup.c): reading a whole file and the progress bar.
 */
#ifndef LITECRM_CLI_IO_H
#define LITECRM_CLI_IO_H

#include <stddef.h>
#include <time.h>

#include "cli.h"

/*
 * cli_read_file reads path ('-': stdin) into a new buffer (free() it) of at
 * most max bytes. Returns 0 or CLI_ERROR after saying why.
 */
int cli_read_file(const char *path, size_t max, char **out, size_t *len);

/*
 * A progress report for work that may take a while: on a terminal (stderr)
 * a bar once the work has run for a second; with json, one JSON line per
 * step on stderr ({"progress":0.42,"what":"import"}); otherwise nothing.
 * LITECRM_PROGRESS_AFTER (seconds) changes the second, for tests.
 */
struct cli_progress {
	const char *what;
	int tty, json, shown;
	double after; /* seconds before anything is shown */
	struct timespec start;
	int last; /* last percent shown */
};
void cli_progress_init(struct cli_progress *p, const char *what, int json);
/* cli_progress_update reports done of total (a callback for import_opts.progress). */
void cli_progress_update(void *p, size_t done, size_t total);
/* cli_progress_end clears the bar. */
void cli_progress_end(struct cli_progress *p);

#endif
