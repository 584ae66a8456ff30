/*
 * ctype.c - character classes of the "C" locale (ASCII). Every function
 * takes EOF or an unsigned char value, as the standard ones do; anything
 * outside ASCII is in no class.
 */
#include "rt_libc.h"

int rt_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

int rt_isxdigit(int c)
{
	return rt_isdigit(c) || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

int rt_isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

int rt_isupper(int c)
{
	return c >= 'A' && c <= 'Z';
}

int rt_islower(int c)
{
	return c >= 'a' && c <= 'z';
}

int rt_isalpha(int c)
{
	return rt_isupper(c) || rt_islower(c);
}

int rt_isalnum(int c)
{
	return rt_isalpha(c) || rt_isdigit(c);
}

int rt_isprint(int c)
{
	return c >= 0x20 && c < 0x7f;
}

int rt_isgraph(int c)
{
	return c > 0x20 && c < 0x7f;
}

int rt_iscntrl(int c)
{
	return (c >= 0 && c < 0x20) || c == 0x7f;
}

int rt_ispunct(int c)
{
	return rt_isgraph(c) && !rt_isalnum(c);
}

int rt_tolower(int c)
{
	return rt_isupper(c) ? c - 'A' + 'a' : c;
}

int rt_toupper(int c)
{
	return rt_islower(c) ? c - 'a' + 'A' : c;
}
