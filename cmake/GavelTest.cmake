# SPDX-License-Identifier: MIT
# gv_add_test(NAME SOURCES ... LIBS ... LABELS ... [ENV k=v ...])
# One executable per unit; ctest runs it. Exit 77 means "skipped" (no root,
# no services), which ctest reports as such rather than as a pass.
function(gv_add_test name)
    cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS;ENV;ARGS" ${ARGN})
    add_executable(${name} ${T_SOURCES})
    target_link_libraries(${name} PRIVATE ${T_LIBS} gv_warnings)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" SKIP_RETURN_CODE 77
        ENVIRONMENT "${T_ENV}")
endfunction()
