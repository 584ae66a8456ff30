/*
 * ctype.h - Kiln's freestanding <ctype.h> (lib/rt/libc): the "C" locale.
 */
#ifndef _KILN_CTYPE_H
#define _KILN_CTYPE_H

int isalnum(int c);
int isalpha(int c);
int iscntrl(int c);
int isdigit(int c);
int isgraph(int c);
int islower(int c);
int isprint(int c);
int ispunct(int c);
int isspace(int c);
int isupper(int c);
int isxdigit(int c);
int tolower(int c);
int toupper(int c);

#endif /* _KILN_CTYPE_H */
