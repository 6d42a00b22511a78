# mutua_embed(<output.c> <symbol> <file>...) generates a C file holding the named files as a
# table { name, bytes, length }, so that schemas and static files travel inside the binaries.
# Names are the files' names without directory.
function(mutua_embed output symbol)
  set(files ${ARGN})
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DSYMBOL=${symbol} "-DFILES=${files}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "Embedding ${symbol}"
    VERBATIM)
endfunction()

# mutua_embed_tree(<output.c> <symbol> <base dir> <file>...): the same, but each name is the
# file's path relative to <base dir> ("js/screens/search.js"), for trees such as clients/web.
function(mutua_embed_tree output symbol base)
  set(files ${ARGN})
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DSYMBOL=${symbol} "-DFILES=${files}"
            -DBASE=${base} -P ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "Embedding ${symbol}"
    VERBATIM)
endfunction()
