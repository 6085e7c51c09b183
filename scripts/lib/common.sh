# Shared helpers for the course scripts (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REGIONS_AWK="$ROOT/scripts/lib/regions.awk"

# Files of the working tree that git tracks or would track (no build folders, no data).
tree_files() { (cd "$ROOT" && git ls-files -co --exclude-standard | while read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done) }

# Where solution regions may live: chapter sources, shared code, the CLI, lectures.
REGION_DIRS='^(chapters|shared|Sources|lectures)/'

# Files that hold solution regions (Swift sources and lectures).
region_files() { (cd "$ROOT" && tree_files | grep -E "$REGION_DIRS" | grep -E '\.(swift|md)$' | while read -r f; do grep -lE 'BEGIN SOLUTION' "$f" 2>/dev/null; done) || true; }

# "id<TAB>file:line<TAB>instruction" for every region, optionally of one chapter.
list_regions() {
    local chapter="${1:-}"
    (cd "$ROOT" && for f in $(region_files); do awk -v mode=list -f "$REGIONS_AWK" "$f"; done) |
        { if [ -n "$chapter" ]; then grep -E "^$chapter\." || true; else cat; fi; }
}

# Copies the working tree into $1 (keeping what is already there, e.g. .build).
copy_tree() {
    local dest="$1"
    mkdir -p "$dest"
    (cd "$ROOT" && tree_files | tar -cf - -T -) | tar -xf - -C "$dest"
}
