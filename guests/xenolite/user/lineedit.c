/*
 * Line editing as on a serial terminal: the kernel delivers raw bytes
 * (no echo, no cooking) and the shell echoes and edits.
 *
 *   printable       insert at the cursor        Backspace / DEL  delete left
 *   Ctrl-U          erase the line              Ctrl-K           erase to the end
 *   Ctrl-A / Home   start of line               Ctrl-E / End     end of line
 *   Left / Right    move (ESC [ D / ESC [ C)    Delete (ESC [3~) delete under cursor
 *   Up / Down       history (ESC [ A / ESC [ B, also ESC O A / B)
 *   Ctrl-L          clear the screen, redraw    Ctrl-C           abandon the line (-EINTR)
 *   Enter           CR, LF or CR LF
 *
 * Cursor movement uses only backspace and reprinting characters, so it
 * works on any terminal; Ctrl-L sends ESC [H ESC [2J.
 */
#include "lineedit.h"
#include "ulib.h"

#define HIST_N 16

static char hist[HIST_N][LINE_MAX];
static unsigned int hist_count;            /* total ever added */

struct editor {
    const char *prompt;
    char buf[LINE_MAX];
    size_t len, pos;
    unsigned int view;                     /* 0 = the line being edited, k = k-th newest */
    char scratch[LINE_MAX];                /* the edited line while browsing history */
    int esc;                               /* 0 none, 1 after ESC, 2 after ESC [ / ESC O */
    unsigned int esc_param;
};

/* Output is collected and written once per batch of input. */
static char obuf[1024];
static size_t olen;

static void oflush(void)
{
    if (olen)
        sys_write(obuf, olen);
    olen = 0;
}

static void oput(char c)
{
    if (olen == sizeof(obuf))
        oflush();
    obuf[olen++] = c;
}

static void oputs(const char *s)
{
    while (*s)
        oput(*s++);
}

static void orepeat(char c, size_t n)
{
    while (n--)
        oput(c);
}

/* Reprint from the cursor to the end, blank `erase` stale cells, and move
 * the cursor back to pos. */
static void redraw_tail(struct editor *e, size_t erase)
{
    for (size_t i = e->pos; i < e->len; i++)
        oput(e->buf[i]);
    orepeat(' ', erase);
    orepeat('\b', e->len - e->pos + erase);
}

static void set_line(struct editor *e, const char *s)
{
    size_t old = e->len;
    orepeat('\b', e->pos);
    e->len = strlcpy(e->buf, s, sizeof(e->buf));
    if (e->len >= sizeof(e->buf))
        e->len = sizeof(e->buf) - 1;
    for (e->pos = 0; e->pos < e->len; e->pos++)
        oput(e->buf[e->pos]);
    if (old > e->len) {                  /* blank what is left of the longer line */
        orepeat(' ', old - e->len);
        orepeat('\b', old - e->len);
    }
}

static void history_move(struct editor *e, int dir)
{
    unsigned int avail = hist_count < HIST_N ? hist_count : HIST_N;
    if (dir > 0 && e->view < avail) {
        if (e->view == 0) {
            memcpy(e->scratch, e->buf, e->len);
            e->scratch[e->len] = 0;
        }
        e->view++;
    } else if (dir < 0 && e->view > 0) {
        e->view--;
    } else {
        oput('\a');
        return;
    }
    set_line(e, e->view ? hist[(hist_count - e->view) % HIST_N] : e->scratch);
}

static void history_add(const char *line)
{
    if (!*line || (hist_count && !strcmp(hist[(hist_count - 1) % HIST_N], line)))
        return;
    strlcpy(hist[hist_count % HIST_N], line, LINE_MAX);
    hist_count++;
}

void history_print(void)
{
    unsigned int first = hist_count > HIST_N ? hist_count - HIST_N : 0;
    for (unsigned int i = first; i < hist_count; i++)
        printf("%5u  %s\n", i + 1, hist[i % HIST_N]);
}

static void insert(struct editor *e, char c)
{
    if (e->len + 1 >= sizeof(e->buf)) {
        oput('\a');
        return;
    }
    memmove(e->buf + e->pos + 1, e->buf + e->pos, e->len - e->pos);
    e->buf[e->pos] = c;
    e->len++;
    oput(c);
    e->pos++;
    redraw_tail(e, 0);
}

static void delete_at(struct editor *e, size_t at)
{
    memmove(e->buf + at, e->buf + at + 1, e->len - at - 1);
    e->len--;
}

static void backspace(struct editor *e)
{
    if (!e->pos)
        return;
    e->pos--;
    oput('\b');
    delete_at(e, e->pos);
    redraw_tail(e, 1);
}

static void move_left(struct editor *e)
{
    if (e->pos) {
        e->pos--;
        oput('\b');
    }
}

static void move_right(struct editor *e)
{
    if (e->pos < e->len)
        oput(e->buf[e->pos++]);
}

static void home(struct editor *e)
{
    orepeat('\b', e->pos);
    e->pos = 0;
}

static void end(struct editor *e)
{
    while (e->pos < e->len)
        oput(e->buf[e->pos++]);
}

static void escape_final(struct editor *e, char c)
{
    switch (c) {
    case 'A': history_move(e, 1); break;
    case 'B': history_move(e, -1); break;
    case 'C': move_right(e); break;
    case 'D': move_left(e); break;
    case 'H': home(e); break;
    case 'F': end(e); break;
    case '~':
        if (e->esc_param == 1 || e->esc_param == 7)
            home(e);
        else if (e->esc_param == 4 || e->esc_param == 8)
            end(e);
        else if (e->esc_param == 3 && e->pos < e->len) {
            delete_at(e, e->pos);
            redraw_tail(e, 1);
        }
        break;
    }
}

/* Returns 1 when the line is complete. */
static int feed(struct editor *e, char c)
{
    if (e->esc == 1) {
        e->esc = (c == '[' || c == 'O') ? 2 : 0;
        e->esc_param = 0;
        return 0;
    }
    if (e->esc == 2) {
        if (c >= '0' && c <= '9') {
            e->esc_param = e->esc_param * 10 + (unsigned)(c - '0');
        } else if (c != ';') {
            e->esc = 0;
            escape_final(e, c);
        }
        return 0;
    }
    switch (c) {
    case '\r':
    case '\n':
        return 1;
    case 0x1b: e->esc = 1; break;
    case 0x7f:
    case '\b': backspace(e); break;
    case 0x01: home(e); break;
    case 0x05: end(e); break;
    case 0x02: move_left(e); break;
    case 0x06: move_right(e); break;
    case 0x0b:                                   /* Ctrl-K */
        redraw_tail(e, 0);
        orepeat(' ', e->len - e->pos);
        orepeat('\b', e->len - e->pos);
        e->len = e->pos;
        break;
    case 0x15:                                   /* Ctrl-U */
        home(e);
        orepeat(' ', e->len);
        orepeat('\b', e->len);
        e->len = 0;
        break;
    case 0x0c:                                   /* Ctrl-L */
        oputs("\033[H\033[2J");
        oputs(e->prompt);
        {
            size_t at = e->pos;
            e->pos = 0;
            redraw_tail(e, 0);
            while (e->pos < at)
                oput(e->buf[e->pos++]);
        }
        break;
    default:
        if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
            insert(e, c);
    }
    return 0;
}

/* Bytes read but not yet consumed (a paste can carry several lines). */
static char ibuf[256];
static size_t ihead, itail;
static bool skip_lf;                             /* CR seen: a following LF is part of it */

int read_line(const char *prompt, char *out, size_t out_len)
{
    static struct editor e;
    memset(&e, 0, sizeof(e));
    e.prompt = prompt;
    puts_raw(prompt);
    for (;;) {
        if (ihead == itail) {
            oflush();
            long n = sys_read(ibuf, sizeof(ibuf));
            if (n == -XL_EINTR) {
                puts_raw("^C\n");
                return -1;
            }
            if (n <= 0)
                continue;
            ihead = 0;
            itail = (size_t)n;
        }
        char c = ibuf[ihead++];
        if (skip_lf && c == '\n') {
            skip_lf = false;
            continue;
        }
        skip_lf = c == '\r';
        if (feed(&e, c)) {
            oput('\n');
            oflush();
            e.buf[e.len] = 0;
            history_add(e.buf);
            strlcpy(out, e.buf, out_len);
            return (int)e.len;
        }
    }
}
