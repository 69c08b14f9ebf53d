# SPDX-License-Identifier: MIT
# Warnings and sanitizers live on an INTERFACE target that our own targets
# link PRIVATE, so third-party code and the consumers of our libraries never
# inherit our flags.
add_library(gv_warnings INTERFACE)
target_compile_options(gv_warnings INTERFACE
    -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
    -Wvla -Wimplicit-fallthrough -Wno-unused-parameter
    $<$<BOOL:${GV_WERROR}>:-Werror>)

if(GV_SANITIZE)
    string(REPLACE "," ";" _gv_san_list "${GV_SANITIZE}")
    list(JOIN _gv_san_list "," _gv_san)
    # Sanitizers apply to every target (tests included), or ASan reports
    # false positives across the instrumented/uninstrumented boundary.
    add_compile_options(-fsanitize=${_gv_san} -fno-sanitize-recover=all -fno-omit-frame-pointer)
    add_link_options(-fsanitize=${_gv_san})
endif()
