/*
 * hex: the value of a hexadecimal digit, for the %-decoders of the block
 * page's form and the control protocol.  Header-only, like cause.h, so a
 * module using it links nothing more.
 */
#ifndef SG_HEX_H
#define SG_HEX_H

/* 0-15 for 0-9, a-f, A-F; -1 for anything else. */
static inline int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
