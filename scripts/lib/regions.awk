# Rewrites solution regions. Modes (awk -v mode=...):
#   stub        student version: a Swift region becomes a comment saying how to read the
#               reference once the id passes, then fatalError("TODO(id): instruction");
#               a C region (.c/.h) calls picograd_todo("id", "instruction") instead;
#               a Markdown region becomes a one-line note saying the same. Nothing of the
#               region is kept.
#   instrument  check-todos version: a Swift region keeps its code, preceded by
#               `if __stubbed("id") { fatalError("TODO(id): instruction") }`, so one build can
#               play the student stub of any single id at run time (PICOGRAD_STUB=id);
#               a C region asks picograd_stubbed("id") (a __stubs.c the build adds).
#   list        prints "id<TAB>file:line<TAB>instruction" for every region.
# A region of CUDA C inside a Swift string literal (a kernel's source) is marked
# `// BEGIN SOLUTION <id> (cuda): <instruction>`. Its stub is a line of CUDA C,
# `pg_todo(__LINE__);  // TODO(id): instruction`: the kernel records the line and the Swift
# host stops with the comment's `TODO(id): instruction` (brrr's CUDAProgram.stopAtStub). Its
# instrumented form is `#if \(__stubbed("id") ? 1 : 0)` (a Swift interpolation, so the
# program's text changes with PICOGRAD_STUB), the stub line, `#else`, the code, `#endif`.
# With -v only=CHAPTER, regions of other chapters are left as they are (markers included).
# With -v keep="id1 id2 ..." (stub mode), those regions keep their solution (markers dropped).
# Markers (see README, "For instructors"):
#   // BEGIN SOLUTION <id>: <one-line instruction>      ...      // END SOLUTION <id>
#   <!-- BEGIN SOLUTION <id> -->                         ...      <!-- END SOLUTION <id> -->
function chapter_of(id) { sub(/\..*$/, "", id); return id }
function swift_string(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return s }
{
    line = $0
    # in a lecture only the HTML markers count; Swift markers there are quoted source text
    markdown = FILENAME ~ /\.md$/
    csource = FILENAME ~ /\.[ch]$/
    if (!markdown && match(line, /^[ \t]*\/\/ BEGIN SOLUTION [a-z0-9]+\.[0-9]+ \(cuda\): /)) {
        if (inside) { printf "%s:%d: nested BEGIN SOLUTION\n", FILENAME, FNR > "/dev/stderr"; bad = 1 }
        indent = line; sub(/[^ \t].*$/, "", indent)
        rest = line; sub(/^[ \t]*\/\/ BEGIN SOLUTION /, "", rest)
        id = rest; sub(/ .*$/, "", id)
        instruction = rest; sub(/^[^:]*: /, "", instruction)
        gsub(/\\/, "", instruction)   # the stub sits in a Swift string literal: no escapes
        if (only != "" && index(id, only ".") != 1) { print line; next }
        inside = 1; opened = FNR; cuda = 1
        if (mode == "stub" && index(" " keep " ", " " id " ")) { kept = 1; next }
        stubline = indent "pg_todo(__LINE__);  // TODO(" id "): " instruction
        if (mode == "list") print id "\t" FILENAME ":" FNR "\t" instruction
        else if (mode == "stub") {
            print indent "// TODO(" id "): your code. Once its row passes in `scripts/grade " chapter_of(id) "`, `scripts/grade --reveal " id "` shows the reference."
            print stubline
        }
        else { print indent "#if \\(__stubbed(\"" id "\") ? 1 : 0)"; print stubline; print indent "#else" }
        next
    }
    if (!markdown && match(line, /^[ \t]*\/\/ BEGIN SOLUTION [a-z0-9]+\.[0-9]+: /)) {
        if (inside) { printf "%s:%d: nested BEGIN SOLUTION\n", FILENAME, FNR > "/dev/stderr"; bad = 1 }
        indent = line; sub(/[^ \t].*$/, "", indent)
        rest = line; sub(/^[ \t]*\/\/ BEGIN SOLUTION /, "", rest)
        id = rest; sub(/:.*$/, "", id)
        instruction = rest; sub(/^[^:]*: /, "", instruction)
        if (only != "" && index(id, only ".") != 1) { print line; next }
        inside = 1; opened = FNR
        if (mode == "stub" && index(" " keep " ", " " id " ")) { kept = 1; next }
        if (mode == "list") print id "\t" FILENAME ":" FNR "\t" instruction
        else if (mode == "stub") {
            print indent "// TODO(" id "): your code. Once its row passes in `scripts/grade " chapter_of(id) "`, `scripts/grade --reveal " id "` shows the reference."
            if (csource) print indent "picograd_todo(\"" id "\", \"" swift_string(instruction) "\");"
            else print indent "fatalError(\"TODO(" id "): " swift_string(instruction) "\")"
        }
        else if (csource) print indent "{ extern int picograd_stubbed(const char *); if (picograd_stubbed(\"" id "\")) picograd_todo(\"" id "\", \"" swift_string(instruction) "\"); }"
        else print indent "if __stubbed(\"" id "\") { fatalError(\"TODO(" id "): " swift_string(instruction) "\") }"
        next
    }
    if (match(line, /^[ \t]*<!-- BEGIN SOLUTION [a-z0-9]+\.[0-9]+ -->/)) {
        rest = line; sub(/^[ \t]*<!-- BEGIN SOLUTION /, "", rest); id = rest; sub(/ .*$/, "", id)
        if (only != "" && index(id, only ".") != 1) { print line; next }
        inside = 1; opened = FNR
        if (mode == "stub" && index(" " keep " ", " " id " ")) { kept = 1; next }
        if (mode == "list") print id "\t" FILENAME ":" FNR "\t(lecture)"
        else if (mode == "stub") print "> *TODO(" id "): this part of the lecture shows the solution, so it is left out here. Write it in the code first; once the row of " id " passes in `scripts/grade " chapter_of(id) "`, `scripts/grade --reveal " id "` prints the reference code and this part of the lecture.*"
        else print line
        next
    }
    if (markdown && line !~ /<!--/ && line ~ /^[ \t]*\/\/ (BEGIN|END) SOLUTION /) {
        if (!(inside && mode == "stub") && mode != "list") print line
        next
    }
    if (match(line, /^[ \t]*(\/\/|<!--) END SOLUTION /) && !inside) {
        if (only != "") { print line; next }
    }
    if (match(line, /^[ \t]*(\/\/|<!--) END SOLUTION /)) {
        if (!inside) { printf "%s:%d: END SOLUTION without BEGIN\n", FILENAME, FNR > "/dev/stderr"; bad = 1 }
        if (cuda && mode == "instrument") print indent "#endif"
        inside = 0; kept = 0; cuda = 0
        if (mode == "instrument" && line ~ /<!--/) print line
        next
    }
    if (inside && mode == "stub" && !kept) next
    if (mode != "list") print line
}
END {
    if (inside) { printf "%s:%d: BEGIN SOLUTION without END\n", FILENAME, opened > "/dev/stderr"; bad = 1 }
    if (bad) exit 1
}
