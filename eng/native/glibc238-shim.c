/* glibc 2.38 renamed the C23-conforming strtol family to __isoc23_*; Debian 13's
 * libstdc++ calls __isoc23_strtoul, which Debian 12's glibc 2.36 lacks. The only
 * behavioural difference from strtoul is C23's "0b"/"0B" binary prefix for base 0 or 2. */
#include <ctype.h>
#include <stdlib.h>

unsigned long __isoc23_strtoul(const char *nptr, char **endptr, int base) {
    const char *s = nptr;
    while (isspace((unsigned char)*s)) s++;
    const char *digits = s;
    if (*digits == '+' || *digits == '-') digits++;
    if ((base == 0 || base == 2) && digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B')
        && (digits[2] == '0' || digits[2] == '1')) {
        char *end;
        unsigned long v = strtoul(digits + 2, &end, 2);
        if (endptr) *endptr = end;
        return *s == '-' ? -v : v;
    }
    return strtoul(nptr, endptr, base);
}
