#!/usr/bin/env bash
# Runs the build host: ./build.sh --target=Snap [options]. See README.md.
# The host is rebuilt only when its sources changed; otherwise the built program runs directly,
# so a run with nothing to do costs no `dotnet run` or MSBuild start-up.
set -euo pipefail

# Into the script's folder without starting dirname or a subshell: with nothing to rebuild, the
# only program started before the host is the find below (about 12 ms less than hashing its output).
case "${BASH_SOURCE[0]}" in */*) cd "${BASH_SOURCE[0]%/*}" ;; esac
root="$PWD"
host="$root/.host"
program="$host/bin/Build"
stamp="$host/sources.list"

# Every file that goes into the host, with its size and modification time: its sources, project
# files and SDK pin. Compared as text with the list the host was built from.
listing="$(find build Directory.*.props global.json .editorconfig build.sh \
    \( -path build/bin -o -path build/obj \) -prune -o -type f \
    \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name global.json -o -name .editorconfig \
    -o -name build.sh \) -printf '%p %s %T@\n')"
built=
if [[ -f "$stamp" ]]; then IFS= read -r -d '' built <"$stamp" || true; fi

if [[ ! -x "$program" || "$built" != "$listing" ]]; then
    if ! command -v dotnet >/dev/null 2>&1; then
        echo "Error: the .NET SDK is not installed; install the SDK named in global.json (dotnet-sdk-10.0)." >&2
        exit 2
    fi
    echo "Building the build host (its sources changed)..." >&2
    mkdir -p "$host"
    # Build beside the running host and swap folders: a run still using the old host keeps its
    # files (the old folder's inodes), instead of having its assemblies overwritten under it.
    next="$host/bin.$$"
    rm -rf "$next"
    # Compiled ahead of time, so a run neither starts a JIT nor loads the .NET runtime's IL:
    # Native AOT where the platform has it (a whole pipeline on the tests' upstream takes
    # 0.73 s instead of 0.98 s with ReadyToRun, 0.65 s as raw commands), else ReadyToRun,
    # else a plain build, which does the same job slower. Native AOT links with the C compiler.
    case "$(uname -m)" in x86_64) rid=linux-x64 aot=true ;; aarch64) rid=linux-arm64 aot=true ;;
        armv7l) rid=linux-arm aot=false ;; *) rid= aot=false ;; esac
    publish() {
        dotnet publish "$root/build/Build.csproj" -c Release -r "$rid" -o "$next" --nologo -v quiet \
            -p:UseSharedCompilation=false "$@" >>"$host.log" 2>&1
    }
    : >"$host.log"
    if [[ -n "$rid" && "$aot" == true ]] && publish -p:PublishAot=true; then
        rm -f "$next"/*.dbg "$next"/*.pdb "$next"/*.xml
    elif [[ -n "$rid" ]] && {
        # A failed Native AOT publish leaves its intermediate files where ReadyToRun's go.
        rm -rf "$next" "$root/build/obj/Release/net10.0/$rid"
        publish --self-contained false -p:PublishReadyToRun=true
    }; then
        :
    else
        rm -rf "$next"
        dotnet build "$root/build/Build.csproj" -c Release -o "$next" --nologo -v quiet \
            -p:UseSharedCompilation=false >>"$host.log" 2>&1 || {
            rm -rf "$next"
            cat "$host.log" >&2
            echo "Error: building the host failed; the output is above and in $host.log." >&2
            exit 1
        }
    fi
    rm -rf "$host/bin.old"
    if [[ -d "$host/bin" ]]; then mv "$host/bin" "$host/bin.old"; fi
    mv "$next" "$host/bin"
    printf '%s' "$listing" >"$stamp.tmp" && mv "$stamp.tmp" "$stamp"
fi

exec "$program" "$@"
