/* SPDX-License-Identifier: MIT
 * banned.h - functions that are too easy to misuse (git's banned.h).
 * Included last by our own .c files; a use becomes a compile error that
 * names the safer way. */
#ifndef GV_BANNED_H
#define GV_BANNED_H

#define GV_BANNED(func) sorry_##func##_is_banned_use_gv_buf_or_snprintf

#undef strcpy
#define strcpy(x, y) GV_BANNED(strcpy)
#undef strcat
#define strcat(x, y) GV_BANNED(strcat)
#undef sprintf
#define sprintf(...) GV_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) GV_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) GV_BANNED(strtok)
#undef atoi
#define atoi(x) GV_BANNED(atoi)
#undef gets
#define gets(x) GV_BANNED(gets)

#endif
