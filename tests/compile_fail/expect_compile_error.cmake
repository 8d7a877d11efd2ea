# Compiles SOURCE and passes only if compilation fails with output matching EXPECTED.
separate_arguments(include_dirs UNIX_COMMAND "${INCLUDE_DIRS}")
set(include_flags "")
foreach(dir IN LISTS include_dirs)
  list(APPEND include_flags "-I${dir}")
endforeach()
execute_process(
  COMMAND ${COMPILER} -std=c++20 -fsyntax-only ${include_flags} ${SOURCE}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)
if(result EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not")
endif()
# The first error line is what a user sees first; the message must be there, not buried in notes.
string(REGEX MATCH "[^\n]*error:[^\n]*" first_error "${output}")
if(NOT first_error MATCHES "${EXPECTED}")
  message(FATAL_ERROR "${SOURCE}: the first error line does not match '${EXPECTED}'.\nFirst error: ${first_error}\nFull output:\n${output}")
endif()
message(STATUS "failed to compile as expected: ${first_error}")
