/*
 * engine/ddb/ddb_num.c: the DynamoDB Number type. Parses the wire text of an N
 * value into a normalised decimal (at most 38 significant digits, exponent
 * within DynamoDB's range), compares, adds and subtracts exactly, and
 * prints the canonical text DynamoDB returns. Called by the attribute
 * value validator, the expression evaluator and key ordering. Everything
 * works on fixed-size digit arrays: no heap, no doubles, no global state,
 * so every function is thread-safe.
 */
#include "engine/ddb/ddb_num.h"

#include <stdint.h>
#include <string.h>

/* The four ValidationException texts, exactly as AWS words them. The
 * first is also exported: callers add ": <text>" (see ddb_num.h). */
const char DDB_NUM_MSG_NOT_A_NUMBER[] = "The parameter cannot be converted to a numeric value";
#define MSG_NOT_A_NUMBER DDB_NUM_MSG_NOT_A_NUMBER
static const char MSG_PRECISION[] =
    "Attempting to store more than 38 significant digits in a Number";
static const char MSG_OVERFLOW[] =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
static const char MSG_UNDERFLOW[] =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";

/* Largest EXP (value = 0.d1d2... x 10^exp): the largest magnitude DynamoDB
 * stores is 9.99...E+125 < 10^126 = 0.1 x 10^127, so 0.d x 10^126 is the
 * top. */
#define EXP_MAX 126
/* Smallest EXP: the smallest magnitude is 1E-130 = 0.1 x 10^-129. */
#define EXP_MIN (-129)

/* An exponent written in the text is clamped to this magnitude while it is
 * read. Any clamped value is far outside the range, and the adjustments
 * made for the digits before the point (bounded by the string length) can
 * never bring it back, nor overflow a long long. */
#define EXP_TEXT_CLAMP 100000000000000000LL

/* Digit positions an exact sum or difference of two in-range numbers can
 * span: from the top of the largest (EXP_MAX) down to the last digit of the
 * smallest (EXP_MIN - DDB_NUM_DIGITS), plus one for a carry. */
#define SUM_WIDTH (EXP_MAX - (EXP_MIN - DDB_NUM_DIGITS) + 1)

static void set_err(const char **err, const char *msg) {
    if (err)
        *err = msg;
}

static void set_zero(struct ddb_num *n) {
    memset(n, 0, sizeof(*n));
}

static int is_digit(char c) {
    return c >= '0' && c <= '9';
}

/* --- Parsing ------------------------------------------------------------ */

/* Reads the exponent part at *PP, if any ("e", "E", an optional sign,
 * digits; its magnitude clamped at EXP_TEXT_CLAMP) into *E, and moves
 * *PP past it. Returns 0, or -1 when the marker has no digits. */
static int parse_exponent(const char **pp, long long *e) {
    const char *p = *pp;
    *e = 0;
    if (*p != 'e' && *p != 'E')
        return 0;
    p++;
    int eneg = 0;
    if (*p == '+' || *p == '-') {
        eneg = *p == '-';
        p++;
    }
    if (!is_digit(*p))
        return -1;
    for (; is_digit(*p); p++) {
        if (*e < EXP_TEXT_CLAMP)
            *e = *e * 10 + (*p - '0');
    }
    if (*e > EXP_TEXT_CLAMP)
        *e = EXP_TEXT_CLAMP;
    if (eneg)
        *e = -*e;
    *pp = p;
    return 0;
}

/*
 * Accepted grammar, that of Java's BigDecimal(String) restricted to ASCII:
 *   [+-]? ( digits [ "." digits? ] | "." digits ) ( [eE] [+-]? digits )?
 * Real DynamoDB accepts "+3", ".123", "0001.23", "1e+5", "0e1000" and
 * rejects "NaN", "Infinity", "dog", " 1", "1 " (scylladb
 * test/alternator/test_number.py test_invalid_numbers, run against AWS);
 * "+5" reads back as "5" (nubo-db/dynoxide issue #109, captured against
 * AWS). DynamoDB Local parses with new BigDecimal(s), which also takes
 * "5." (LocalDBUtils.validateNumericValue).
 */
int ddb_num_parse(const char *z, struct ddb_num *out, const char **err) {
    if (!z) {
        set_err(err, MSG_NOT_A_NUMBER);
        return -1;
    }

    /* Pass 1: check the syntax and locate the significant digits. */
    const char *p = z;
    int neg = 0;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    const char *mant = p;
    size_t nd = 0;             /* mantissa digits seen */
    size_t n_int = 0;          /* of which before the point */
    size_t first = SIZE_MAX;   /* index of the first non-zero digit */
    size_t last = 0;           /* index of the last non-zero digit */
    int seen_point = 0;
    for (;; p++) {
        if (is_digit(*p)) {
            if (*p != '0') {
                if (first == SIZE_MAX)
                    first = nd;
                last = nd;
            }
            nd++;
            if (!seen_point)
                n_int++;
        } else if (*p == '.' && !seen_point) {
            seen_point = 1;
        } else {
            break;
        }
    }
    const char *mant_end = p;
    if (nd == 0) {
        set_err(err, MSG_NOT_A_NUMBER);
        return -1;
    }
    long long e = 0;
    if (parse_exponent(&p, &e) != 0) {
        set_err(err, MSG_NOT_A_NUMBER);
        return -1;
    }
    if (*p != '\0') {
        set_err(err, MSG_NOT_A_NUMBER);
        return -1;
    }

    /* Zero is valid whatever its exponent ("0e1000" is accepted by AWS, see
     * above) and has no sign. */
    if (first == SIZE_MAX) {
        set_zero(out);
        return 0;
    }

    /* Checks in DynamoDB Local's order (LocalDBUtils.validateNumericValue):
     * precision, then overflow, then underflow. dynalite checks the range
     * first; the two only differ for inputs that break both limits. */
    if (last - first + 1 > DDB_NUM_DIGITS) {
        set_err(err, MSG_PRECISION);
        return -1;
    }
    /* value = 0.<all mantissa digits> x 10^(n_int + e); dropping FIRST
     * leading zeros moves the point FIRST places. */
    long long exp = (long long)n_int - (long long)first + e;
    if (exp > EXP_MAX) {
        set_err(err, MSG_OVERFLOW);
        return -1;
    }
    if (exp < EXP_MIN) {
        set_err(err, MSG_UNDERFLOW);
        return -1;
    }

    /* Pass 2: copy digits FIRST..LAST. */
    struct ddb_num n;
    set_zero(&n);
    size_t idx = 0;
    for (p = mant; p < mant_end; p++) {
        if (!is_digit(*p))
            continue;
        if (idx >= first && idx <= last)
            n.digits[idx - first] = (char)(*p - '0');
        idx++;
    }
    n.neg = neg;
    n.ndigits = (int)(last - first + 1);
    n.exp = (int)exp;
    *out = n;
    return 0;
}

/* --- Comparison --------------------------------------------------------- */

static int sign_of(const struct ddb_num *n) {
    if (n->ndigits == 0)
        return 0;
    return n->neg ? -1 : 1;
}

/* Compares |A| and |B|; both normalised (first digit non-zero). */
static int cmp_mag(const struct ddb_num *a, const struct ddb_num *b) {
    if (a->ndigits == 0 || b->ndigits == 0)
        return (a->ndigits != 0) - (b->ndigits != 0);
    if (a->exp != b->exp)
        return a->exp > b->exp ? 1 : -1;
    int n = a->ndigits > b->ndigits ? a->ndigits : b->ndigits;
    for (int i = 0; i < n; i++) {
        int da = i < a->ndigits ? a->digits[i] : 0;
        int db = i < b->ndigits ? b->digits[i] : 0;
        if (da != db)
            return da > db ? 1 : -1;
    }
    return 0;
}

int ddb_num_cmp(const struct ddb_num *a, const struct ddb_num *b) {
    int sa = sign_of(a);
    int sb = sign_of(b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    int m = cmp_mag(a, b);
    return sa > 0 ? m : -m;
}

/* --- Addition and subtraction ------------------------------------------- */

/* Spreads N's digits into ACC, least significant first, where ACC[0] holds
 * the digit of weight 10^LO. */
static void spread(const struct ddb_num *n, int lo, unsigned char *acc) {
    for (int k = 0; k < n->ndigits; k++)
        acc[n->exp - 1 - k - lo] = (unsigned char)n->digits[k];
}

/*
 * OUT = A + (B_NEG ? -|B| : |B|) exactly. The result must fit DynamoDB's
 * Number: when the exact value needs more than 38 significant digits, real
 * DynamoDB fails UpdateItem with "Number overflow. Attempting to store a
 * number with magnitude larger than supported range" (observed on AWS for
 * 1e50 + 1 and 1e50 - 1: scylladb test/alternator/test_number.py,
 * test_update_expression_plus_imprecise), not with the 38-digit message it
 * gives for such a literal, and it never rounds. dynalite is no guide here:
 * it adds with unbounded big.js and stores whatever comes out.
 */
static int add_signed(const struct ddb_num *a, const struct ddb_num *b, int b_neg,
                      struct ddb_num *out, const char **err) {
    if (b->ndigits == 0) {
        *out = *a;
        return 0;
    }
    if (a->ndigits == 0) {
        struct ddb_num r = *b;
        r.neg = b_neg;
        *out = r;
        return 0;
    }

    int lo_a = a->exp - a->ndigits;
    int lo_b = b->exp - b->ndigits;
    int lo = lo_a < lo_b ? lo_a : lo_b;
    int hi = a->exp > b->exp ? a->exp : b->exp;
    /* Only reachable with operands outside the range; their exact result
     * would need far more than 38 digits anyway. */
    if (hi - lo + 1 > SUM_WIDTH) {
        set_err(err, MSG_OVERFLOW);
        return -1;
    }
    int width = hi - lo + 1;

    unsigned char x[SUM_WIDTH];
    unsigned char y[SUM_WIDTH];
    unsigned char r[SUM_WIDTH];
    memset(x, 0, sizeof(x));
    memset(y, 0, sizeof(y));
    int neg;
    if (a->neg == b_neg) {
        spread(a, lo, x);
        spread(b, lo, y);
        neg = a->neg;
        int carry = 0;
        for (int i = 0; i < width; i++) {
            int s = x[i] + y[i] + carry;
            r[i] = (unsigned char)(s % 10);
            carry = s / 10;
        }
    } else {
        int m = cmp_mag(a, b);
        if (m == 0) {
            set_zero(out);
            return 0;
        }
        /* Subtract the smaller magnitude from the larger; the result takes
         * the larger one's sign. */
        const struct ddb_num *big = m > 0 ? a : b;
        const struct ddb_num *small = m > 0 ? b : a;
        neg = m > 0 ? a->neg : b_neg;
        spread(big, lo, x);
        spread(small, lo, y);
        int borrow = 0;
        for (int i = 0; i < width; i++) {
            int s = x[i] - y[i] - borrow;
            borrow = s < 0;
            r[i] = (unsigned char)(borrow ? s + 10 : s);
        }
    }

    int h = width - 1;
    while (h >= 0 && r[h] == 0)
        h--;
    int l = 0;
    while (l < h && r[l] == 0)
        l++;
    /* Non-zero: equal magnitudes of opposite sign returned above. */
    int nd = h - l + 1;
    if (nd > DDB_NUM_DIGITS) {
        set_err(err, MSG_OVERFLOW);
        return -1;
    }
    int exp = lo + h + 1;
    if (exp > EXP_MAX) {
        set_err(err, MSG_OVERFLOW);
        return -1;
    }
    if (exp < EXP_MIN) {
        set_err(err, MSG_UNDERFLOW);
        return -1;
    }
    struct ddb_num res;
    set_zero(&res);
    res.neg = neg;
    res.ndigits = nd;
    res.exp = exp;
    for (int k = 0; k < nd; k++)
        res.digits[k] = (char)r[h - k];
    *out = res;
    return 0;
}

int ddb_num_add(const struct ddb_num *a, const struct ddb_num *b, struct ddb_num *out,
                const char **err) {
    return add_signed(a, b, b->neg, out, err);
}

int ddb_num_sub(const struct ddb_num *a, const struct ddb_num *b, struct ddb_num *out,
                const char **err) {
    return add_signed(a, b, !b->neg, out, err);
}

/* --- Formatting --------------------------------------------------------- */

/* Appends C to BUF while room is left for the NUL. */
static void put(char *buf, size_t size, size_t *len, char c) {
    if (*len + 1 < size)
        buf[*len] = c;
    (*len)++;
}

void ddb_num_format(const struct ddb_num *n, char *buf, size_t size) {
    if (size == 0)
        return;
    size_t len = 0;
    if (n->ndigits <= 0) {
        put(buf, size, &len, '0');
    } else {
        if (n->neg)
            put(buf, size, &len, '-');
        if (n->exp <= 0) {
            /* 0.000ddd */
            put(buf, size, &len, '0');
            put(buf, size, &len, '.');
            for (int i = 0; i < -n->exp; i++)
                put(buf, size, &len, '0');
            for (int i = 0; i < n->ndigits; i++)
                put(buf, size, &len, (char)('0' + n->digits[i]));
        } else {
            /* ddd[.ddd] or ddd000 */
            for (int i = 0; i < n->ndigits || i < n->exp; i++) {
                if (i == n->exp)
                    put(buf, size, &len, '.');
                put(buf, size, &len, i < n->ndigits ? (char)('0' + n->digits[i]) : '0');
            }
        }
    }
    buf[len < size ? len : size - 1] = '\0';
}
