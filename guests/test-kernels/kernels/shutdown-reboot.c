/*
 * shutdown-reboot: SCHEDOP_shutdown with a reason other than poweroff
 * (docs/xen-pv-abi.md §9.1). Prints its PASS line, then shuts down with
 * SHUTDOWN_reboot; the harness checks the reason (configure on_reboot so
 * the domain is not restarted).
 */
#include "rt.h"

void test_main(void)
{
    struct sched_shutdown s = { .reason = SHUTDOWN_reboot };
    CHECK_EQ(sizeof(s), 4);
    say("will shut down with SHUTDOWN_reboot (%u)", SHUTDOWN_reboot);
    pass_shutdown_reason = SHUTDOWN_reboot;
}
