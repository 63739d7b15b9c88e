#!/bin/sh
# Runs in dom0: creates the xenolite domU, types into its console through the
# pty xenconsoled made for it, and checks what comes back.
out=/tmp/console.out
pass=0; fail=0
ok() { echo "XTEST ok: $*"; pass=$((pass + 1)); }
bad() { echo "XTEST FAIL: $*"; fail=$((fail + 1)); }
attach() {     # (re)connect to the console pty, waiting up to 60 s for it
    for i in $(seq 1 120); do
        domid=$(xl domid xenolite-test 2>/dev/null) &&
            tty=$(xenstore-read /local/domain/$domid/console/tty 2>/dev/null) && [ -n "$tty" ] && break
        usleep 500000
    done
    [ -n "$tty" ] || return 1
    [ -n "$catpid" ] && kill $catpid 2>/dev/null
    cat $tty >> $out 2>/dev/null &
    catpid=$!
}
# expect PATTERN [TENTHS] [DESCRIPTION]: wait for PATTERN to appear in new output
expect() {
    i=0
    while ! tail -c +$((mark + 1)) $out | grep -aq -- "$1"; do
        i=$((i + 1))
        [ $i -gt ${2:-100} ] && { bad "${3:-$1} (timeout)"; return 1; }
        usleep 100000
    done
    ok "${3:-$1}"
}
send() { mark=$(wc -c < $out); printf "%b" "$1" > $tty; }
cpu() { xl list xenolite-test 2>/dev/null | awk 'NR == 2 {print $6}'; }
gone() { ! xl list xenolite-test >/dev/null 2>&1; }

: > $out; mark=0; catpid=
xl create /xenolite.cfg && attach || { bad "xl create"; xl dmesg | tail -30; }
expect 'xenolite:~\$ ' 300 "boot to the prompt"
grep -aq -e "domain: xenolite-test (id $domid)" -e "domain: name unknown" $out && ok "banner line" || bad "banner"
grep -a -e "domain:" -e "ready in" $out
if [ -f /quick ]; then
    send "free\r";      expect "Mem:"
    send "mem 2\r";     expect "4 passes ok" 300 "mem 2"
    send "poweroff\r"; sleep 2
    gone && ok "poweroff command" || bad "poweroff command"
    echo "===== console ====="; cat $out | tr -d '\r'
    echo "XTEST RESULT: $pass passed, $fail failed"
    exit 0
fi
send "uname -a\r";      expect "xenolite xenolite-test"
send "echo a  b   c\r"; expect "a b c"
send "uptime\r";        expect "up 0:00:"
send "date\r";          expect "UTC 20"
send "free\r";          expect "Mem:"
send "cpuinfo\r";       expect "hypervisor  : XenVMMXenVMM"
send "ps\r";            expect "xenbus"
send "uname -a\r";      expect "xenolite xenolite-test" 100 "name known (late xenstore retried by xenbus)"
c0=$(cpu); sleep 4; c1=$(cpu)
[ "$c0" = "$c1" ] && ok "no CPU used while idle ($c0 s -> $c1 s)" || bad "CPU used while idle: $c0 s -> $c1 s"
send "sleep 1.5\r";     expect 'xenolite:~\$ ' 100 "sleep 1.5"
send "bench 1\r";       expect "bench: score=" 100
send "spam 500\r";      expect "spam: 25500 bytes" 200
send "mem 16\r";        expect "4 passes ok" 300 "mem 16"
send "mem 64\r";        expect "cannot map 64 MiB" 50 "mem refuses more than is free"
send "hog\r"; sleep 2; send "\003"; expect "hog: stopped" 50 "Ctrl-C stops hog"
send "sleep 30\r"; sleep 1; send "\003"; expect "\^C" 30 "Ctrl-C interrupts sleep"
send "spam 100000\r"; sleep 1; send "\003"; expect "spam: " 100 "Ctrl-C interrupts spam"
send "ech\177\177cho edited\r"; expect "^edited" 30 "backspace editing"
send "\033[A\r";        expect "^edited" 30 "history (up arrow)"
send "abc\001X\005Y\r"; expect "XabcY: command not found" 30 "Ctrl-A / Ctrl-E"
send "xyz\033[D\033[DQ\r"; expect "xQyz: command not found" 30 "left arrow insert"
send "junk\025echo clean\r"; expect "^clean" 30 "Ctrl-U"
send "typed\003";       expect "\^C" 30 "Ctrl-C at the prompt"
send "exit 3\r";        expect "restarting it" 50 "exit restarts the shell"
send "help\r";          expect "poweroff" 50 "help after restart"
send "fault\r";         expect "page fault (vector 14, error 0x6) at address 0x1000" 50 "user #PF reported"
expect "restarting it" 50 "shell restarted after #PF"
send "fault gp\r";      expect "general protection" 50 "user #GP reported"
send "fault kernel\r";  expect "(EFAULT)" 50 "kernel pointer refused"
send "ps\r";            expect " sh" 50 "ps after restarts"
xl shutdown -w xenolite-test >/dev/null 2>&1
gone && grep -aq "shutdown requested by the control domain: powering off" $out && ok "xl shutdown" || bad "xl shutdown"

: > $out; mark=0
xl create /xenolite.cfg >/dev/null 2>&1 && attach
expect 'xenolite:~\$ ' 300 "second boot"
xl reboot xenolite-test >/dev/null 2>&1; sleep 3; attach
send "\r"; expect 'xenolite:~\$ ' 300 "prompt after xl reboot"
grep -aq "rebooting" $out && ok "xl reboot acknowledged" || bad "xl reboot"
send "reboot\r"; sleep 3; attach
send "\r"; expect 'xenolite:~\$ ' 300 "prompt after the reboot command"
send "poweroff\r"; sleep 2
gone && ok "poweroff command" || bad "poweroff command"
kill $catpid 2>/dev/null
echo "===== console ====="; cat $out | tr -d '\r'
echo "===== Xen ====="; xl dmesg | tail -5
echo "XTEST RESULT: $pass passed, $fail failed"
