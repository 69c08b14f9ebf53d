/* SPDX-License-Identifier: MIT
 * test.h - cmocka plus the few helpers every unit test wants. */
#ifndef GAVEL_TEST_H
#define GAVEL_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif
