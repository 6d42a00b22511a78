# Every warning flag of the project, in one place. mutua_warnings(<target>) applies them.
set(MUTUA_WARNING_FLAGS
    -Wall
    -Wextra
    -Wshadow
    -Wstrict-prototypes
    -Wmissing-prototypes
    -Wswitch-enum
    -Wwrite-strings
    -Wformat=2
    -Wpointer-arith
    -Wcast-qual
    -Wvla
    -Wnull-dereference
    -Wno-unused-parameter)
if(MUTUA_WERROR)
  list(APPEND MUTUA_WARNING_FLAGS -Werror)
endif()

function(mutua_warnings target)
  target_compile_options(${target} PRIVATE ${MUTUA_WARNING_FLAGS})
endfunction()
