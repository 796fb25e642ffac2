/* Rewrites one symbol-version requirement of a shared library so that it names an
 * older version of the same library, which the host provides.
 *
 * Why: Debian 13's libstdc++ requires GLIBC_2.38 from libc.so.6 for exactly one
 * symbol (__isoc23_strtoul); Debian 12's glibc 2.36 lacks that version, so the loader
 * refuses the whole library. Marking the requirement weak would also load, but glibc
 * then prints "weak version not found" on every process start. Pointing the entry at
 * GLIBC_2.2.5 (a version libc.so.6 has) satisfies the check silently, and the symbol
 * itself is resolved from the preloaded shim, which carries no version table.
 *
 * usage: retarget-version FILE FROM TO   (edits FILE in place)
 * exit: 0 patched, 3 FILE has no requirement for FROM, 1 error, 2 usage */
#include <elf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *read_all(const char *path, long *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)*size);
    if (buf && fread(buf, 1, (size_t)*size, f) != (size_t)*size) { free(buf); buf = NULL; }
    fclose(f);
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s FILE FROM TO\n", argv[0]); return 2; }
    const char *file = argv[1], *from = argv[2], *to = argv[3];
    long size = 0;
    unsigned char *img = read_all(file, &size);
    if (!img) { perror(file); return 1; }
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
    if (size < (long)sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64) {
        fprintf(stderr, "%s: not a 64-bit ELF file\n", file);
        return 1;
    }
    Elf64_Shdr *sh = (Elf64_Shdr *)(img + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_GNU_verneed) continue;
        const char *strtab = (const char *)(img + sh[sh[i].sh_link].sh_offset);
        for (unsigned char *p = img + sh[i].sh_offset;; ) {
            Elf64_Verneed *vn = (Elf64_Verneed *)p;
            Elf64_Vernaux *match = NULL, *target = NULL;
            unsigned char *q = p + vn->vn_aux;
            for (int k = 0; k < vn->vn_cnt; k++) {
                Elf64_Vernaux *va = (Elf64_Vernaux *)q;
                if (strcmp(strtab + va->vna_name, from) == 0) match = va;
                if (strcmp(strtab + va->vna_name, to) == 0) target = va;
                if (!va->vna_next) break;
                q += va->vna_next;
            }
            if (match && !target) {
                fprintf(stderr, "%s: %s needs %s but not %s, so there is nothing to point it at\n",
                        file, strtab + vn->vn_file, from, to);
                return 1;
            }
            if (match) {
                match->vna_name = target->vna_name;
                match->vna_hash = target->vna_hash;
                FILE *f = fopen(file, "r+b");
                if (!f) { perror(file); return 1; }
                fseek(f, (long)((unsigned char *)match - img), SEEK_SET);
                size_t ok = fwrite(match, sizeof *match, 1, f);
                if (fclose(f) != 0 || ok != 1) { perror(file); return 1; }
                printf("%s: requirement %s of %s now reads %s\n", file, from, strtab + vn->vn_file, to);
                return 0;
            }
            if (!vn->vn_next) break;
            p += vn->vn_next;
        }
    }
    fprintf(stderr, "%s: no requirement for version %s\n", file, from);
    return 3;
}
