# Runs one command and checks its exit status and output: the CLI's contract is a given exit status
# (0 ok, 1 bad input, 2 usage) and a message a user can act on.
#   -DCOMMAND=<;-list> -DEXPECT_STATUS=<n> -DEXPECT_OUTPUT=<regex matched against stdout+stderr>
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
if(NOT status STREQUAL EXPECT_STATUS)
  message(FATAL_ERROR "exit status ${status}, expected ${EXPECT_STATUS}; output:\n${all}")
endif()
if(NOT all MATCHES "${EXPECT_OUTPUT}")
  message(FATAL_ERROR "output does not match '${EXPECT_OUTPUT}':\n${all}")
endif()
