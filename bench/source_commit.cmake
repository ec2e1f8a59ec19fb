# Writes OUT, a C++ source defining omnistock::bench::kSourceCommit: the commit omnistock-bench's
# sources were at when it was built (`git rev-parse --short=12 HEAD`, with "-dirty" when tracked
# files differ from it), or "unknown" outside a git checkout. Run at every build of
# omnistock-bench (bench/CMakeLists.txt); OUT is rewritten only when it changes, so a build at
# the same commit recompiles nothing.
#
#   cmake -DSRC=SOURCE_DIR -DOUT=FILE -P bench/source_commit.cmake
execute_process(
  COMMAND git -C "${SRC}" rev-parse --short=12 HEAD
  OUTPUT_VARIABLE commit
  RESULT_VARIABLE status
  OUTPUT_STRIP_TRAILING_WHITESPACE
  ERROR_QUIET)
if(NOT status EQUAL 0 OR commit STREQUAL "")
  set(commit "unknown")
else()
  execute_process(
    COMMAND git -C "${SRC}" status --porcelain --untracked-files=no
    OUTPUT_VARIABLE changes
    RESULT_VARIABLE status
    ERROR_QUIET)
  if(NOT status EQUAL 0 OR NOT changes STREQUAL "")
    set(commit "${commit}-dirty")
  endif()
endif()
string(CONCAT content "// Written by bench/source_commit.cmake at build time.\n"
            "#include \"bench/report.h\"\n\n"
            "namespace omnistock::bench {\n"
            "const char kSourceCommit[] = \"${commit}\";\n"
            "}  // namespace omnistock::bench\n")
set(old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL content)
  file(WRITE "${OUT}" "${content}")
endif()
