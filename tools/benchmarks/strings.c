/* Benchmark: string processing. Generates a deterministic text of words,
 * then repeatedly tokenises it (strchr/strspn/strcspn), measures words
 * (strlen), counts them in a hash table (FNV-1a, keys compared with
 * memcmp), searches phrases (strstr) and formats records (snprintf), the
 * mix of glibc string routines and byte loops that text tools run.
 * Usage: strings [SCALE]  (default 1; work grows linearly). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_WORDS 200000
#define TABLE_SIZE 65536 /* power of two, well above the distinct words */

static const char *const SYLLABLES[] = {
    "ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "ve", "xa", "zo", "qui",
    "str", "en", "ing", "ar", "th", "ou", "ly", "pre",
};
#define NSYL (sizeof SYLLABLES / sizeof SYLLABLES[0])

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

struct entry {
    const char *word; /* points into the text; NULL when free */
    size_t len;
    uint32_t count;
};

static struct entry table[TABLE_SIZE];

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* Counts the word s[0..n) in the table; returns its new count. */
static uint32_t count_word(const char *s, size_t n)
{
    uint32_t i = fnv1a(s, n) & (TABLE_SIZE - 1);
    for (;;) {
        struct entry *e = &table[i];
        if (e->word == NULL) {
            e->word = s;
            e->len = n;
            e->count = 1;
            return 1;
        }
        if (e->len == n && memcmp(e->word, s, n) == 0)
            return ++e->count;
        i = (i + 1) & (TABLE_SIZE - 1);
    }
}

/* A text of TEXT_WORDS words of 1-4 syllables, separated by spaces and
 * now and then by punctuation and line breaks. */
static char *make_text(size_t *len)
{
    size_t cap = TEXT_WORDS * 16 + 1, n = 0;
    char *t = malloc(cap);
    if (t == NULL)
        exit(1);
    for (int w = 0; w < TEXT_WORDS; w++) {
        int syl = 1 + next() % 4;
        for (int k = 0; k < syl; k++) {
            const char *s = SYLLABLES[next() % NSYL];
            size_t l = strlen(s);
            memcpy(t + n, s, l);
            n += l;
        }
        uint32_t r = next() % 32;
        t[n++] = r == 0 ? '\n' : r == 1 ? ',' : r == 2 ? '.' : ' ';
        if (r == 1 || r == 2)
            t[n++] = ' ';
    }
    t[n] = 0;
    *len = n;
    return t;
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    size_t len;
    char *text = make_text(&len);
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return 1;
    static const char *const PHRASES[] = {"kalo mi", "strenq", "thou", "ingar pre", "zozozo", "ly.\n"};
    uint64_t words = 0, chars = 0, found = 0, fmt = 0, lines = 0;
    uint32_t h = 0;
    char buf[128];
    for (long round = 0; round < 100 * scale; round++) {
        memset(table, 0, sizeof table);
        memcpy(copy, text, len + 1);
        /* Tokenise: words are runs of letters. */
        const char *p = copy;
        for (;;) {
            p += strspn(p, " ,.\n");
            if (*p == 0)
                break;
            size_t n = strcspn(p, " ,.\n");
            uint32_t c = count_word(p, n);
            if (c == 50) {
                int k = snprintf(buf, sizeof buf, "%.*s:%u:%zu;", (int)n, p, c, n);
                fmt += (uint64_t)k;
                h = fnv1a(buf, strlen(buf)) ^ (h * 31);
            }
            words++;
            p += n;
        }
        /* Lines: strchr for line breaks, strlen of each line once cut. */
        for (char *q = copy, *e; (e = strchr(q, '\n')) != NULL; q = e + 1) {
            *e = 0;
            chars += strlen(q);
            lines++;
        }
        /* Phrase search over the original text. */
        for (size_t k = 0; k < sizeof PHRASES / sizeof PHRASES[0]; k++) {
            const char *s = text;
            while ((s = strstr(s, PHRASES[(k + (size_t)round) % 6])) != NULL) {
                found++;
                s++;
            }
        }
    }
    /* The most frequent word of the last round. */
    const struct entry *best = NULL;
    uint32_t distinct = 0;
    for (int i = 0; i < TABLE_SIZE; i++) {
        const struct entry *e = &table[i];
        if (e->word == NULL)
            continue;
        distinct++;
        if (best == NULL || e->count > best->count ||
            (e->count == best->count && (e->len < best->len ||
                                         (e->len == best->len && memcmp(e->word, best->word, e->len) < 0))))
            best = e;
    }
    printf("words %" PRIu64 " lines %" PRIu64 " chars %" PRIu64 " found %" PRIu64 " fmt %" PRIu64
           " distinct %u top %.*s:%u hash %08" PRIx32 "\n",
           words, lines, chars, found, fmt, distinct, best ? (int)best->len : 0, best ? best->word : "",
           best ? best->count : 0, h);
    free(copy);
    free(text);
    return 0;
}
