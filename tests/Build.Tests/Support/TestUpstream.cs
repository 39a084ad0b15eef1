namespace SnapBuild.Tests.Support;

/// <summary>
/// The tests' own upstream: a git repository holding a small CMake C++ program shaped like
/// MySQL's case. A page-cleaner thread calls <c>setpriority(PRIO_PROCESS, tid, -20)</c> under
/// <c>#ifdef UNIV_LINUX</c>; the series adds a CMake option that compiles the call out. Several
/// release tags, extra translation units (so a rebuild count means something), and a two-patch
/// series with DEP-3 headers, generated with <c>git diff</c> from real edits.
/// </summary>
public sealed class TestUpstream : IDisposable
{
    public const string FirstTag = "v1.0.0";
    public const string SecondTag = "v1.1.0";

    private readonly TempDirectory directory = new("upstream");

    public TestUpstream()
    {
        Repository = directory.Combine("upstream.git");
        var work = directory.Combine("work");
        Directory.CreateDirectory(work);
        Shell.Git(work, "init", "-q", "-b", "main");
        WriteSources(work, "1.0.0");
        Commit(work, "Release 1.0.0");
        Shell.Git(work, "tag", "-a", FirstTag, "-m", "Release 1.0.0");

        File.AppendAllText(Path.Combine(work, "README"), "Release 1.1.0 fixes nothing in particular.\n");
        Commit(work, "Release 1.1.0");
        Shell.Git(work, "tag", "-a", SecondTag, "-m", "Release 1.1.0");

        Shell.Git(directory.Path, "clone", "-q", "--bare", work, Repository);
        Work = work;
        Series = WriteSeries(directory.Combine("patches"));
    }

    /// <summary>The bare repository, usable as a file-path remote.</summary>
    public string Repository { get; }

    /// <summary>A non-bare clone used to make new upstream commits.</summary>
    public string Work { get; }

    /// <summary>Folder holding <c>series</c> and the patches against <see cref="FirstTag"/>.</summary>
    public string Series { get; }

    public string Url => Repository;

    /// <summary>Moves a tag to a new commit upstream, as a careless release manager would.</summary>
    public string MoveTag(string tag)
    {
        File.AppendAllText(Path.Combine(Work, "README"), "Re-tagged.\n");
        Commit(Work, "Re-tag " + tag);
        Shell.Git(Work, "tag", "-f", "-a", tag, "-m", "Moved " + tag);
        Shell.Git(Work, "push", "-q", "-f", Repository, $"refs/tags/{tag}");

        return Shell.Git(Work, "rev-parse", tag + "^{commit}").Trim();
    }

    /// <summary>
    /// Makes a new release upstream: <paramref name="change"/> edits a checkout, then it is
    /// committed, tagged and pushed.
    /// </summary>
    public string Release(string tag, Action<string> change)
    {
        change(Work);
        Commit(Work, "Release " + tag);
        Shell.Git(Work, "tag", "-a", tag, "-m", "Release " + tag);
        Shell.Git(Work, "push", "-q", Repository, $"refs/tags/{tag}");

        return CommitOf(tag);
    }

    /// <summary>
    /// Writes <see cref="FirstTag"/> as a gzipped tarball at <paramref name="path"/>, its files under
    /// <c>demo-1.0.0/</c> as a release tarball has them, and returns the path.
    /// </summary>
    public string ArchiveFirstTag(string path)
    {
        Shell.Git(Repository, "archive", "--format=tar.gz", "--prefix=demo-1.0.0/", "-o", path, FirstTag);

        return path;
    }

    public string CommitOf(string tag) => Shell.Git(Repository, "rev-parse", tag + "^{commit}").Trim();

    /// <summary>Copies the series into a project layout: <c>patches/&lt;name&gt;/</c>.</summary>
    public void CopySeriesTo(string patchesDirectory)
    {
        Directory.CreateDirectory(patchesDirectory);
        foreach (var file in Directory.GetFiles(Series))
        {
            File.Copy(file, Path.Combine(patchesDirectory, Path.GetFileName(file)), overwrite: true);
        }
    }

    public void Dispose() => directory.Dispose();

    private static void Commit(string work, string message)
    {
        Shell.Git(work, "add", "-A");
        Shell.Git(work, "commit", "-q", "-m", message);
    }

    private static void WriteSources(string work, string version)
    {
        Directory.CreateDirectory(Path.Combine(work, "src"));
        File.WriteAllText(Path.Combine(work, "README"), $"Page cleaner demo {version}\n");
        var helpers = string.Join(' ', Enumerable.Range(1, 6).Select(i => $"src/helper{i}.cpp"));
        File.WriteAllText(Path.Combine(work, "CMakeLists.txt"), $$"""
            cmake_minimum_required(VERSION 3.16)
            project(cleaner VERSION {{version}} LANGUAGES CXX)
            set(CMAKE_CXX_STANDARD 17)
            find_package(Threads REQUIRED)
            if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
              add_compile_definitions(UNIV_LINUX)
            endif()
            # gen_banner runs during the build, as MySQL's comp_err does; a cross build finds a
            # native one on PATH instead.
            if(NOT CMAKE_CROSSCOMPILING)
              add_executable(gen_banner src/gen_banner.cpp)
            endif()
            add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/banner.h
              COMMAND gen_banner ${CMAKE_BINARY_DIR}/banner.h {{version}}
              DEPENDS ${CMAKE_SOURCE_DIR}/src/gen_banner.cpp)
            add_custom_target(banner DEPENDS ${CMAKE_BINARY_DIR}/banner.h)
            add_library(helpers STATIC {{helpers}})
            add_executable(cleaner src/main.cpp src/page_cleaner.cpp)
            add_dependencies(cleaner banner)
            target_include_directories(cleaner PRIVATE ${CMAKE_BINARY_DIR})
            target_link_libraries(cleaner helpers Threads::Threads)
            add_executable(cleanerctl src/ctl.cpp)
            install(TARGETS cleaner RUNTIME DESTINATION bin COMPONENT Server)
            install(TARGETS cleanerctl RUNTIME DESTINATION bin COMPONENT Client)
            install(FILES README DESTINATION share/cleaner COMPONENT Server)

            """);
        File.WriteAllText(Path.Combine(work, "src", "page_cleaner.cpp"), """
            #include <cstdio>
            #include <sys/resource.h>
            #include <sys/syscall.h>
            #include <unistd.h>

            // Raise the page cleaner's priority, as InnoDB's buf_flush_page_cleaner_set_priority does.
            bool page_cleaner_set_priority(int priority) {
            #ifdef UNIV_LINUX
              pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
              if (setpriority(PRIO_PROCESS, tid, priority) != 0) {
                return false;
              }
              return getpriority(PRIO_PROCESS, tid) == priority;
            #else
              (void)priority;
              return false;
            #endif
            }

            void page_cleaner_thread() {
              if (page_cleaner_set_priority(-20)) {
                std::puts("page cleaner: priority raised");
              } else {
                std::puts("page cleaner: could not raise priority");
              }
            }

            """);
        File.WriteAllText(Path.Combine(work, "src", "gen_banner.cpp"), """
            #include <cstdio>
            int main(int argc, char **argv) {
              if (argc != 3) { return 2; }
              FILE *out = std::fopen(argv[1], "w");
              if (out == nullptr) { return 1; }
              std::fprintf(out, "#define BANNER \"page cleaner demo %s\"\n", argv[2]);
              return std::fclose(out) == 0 ? 0 : 1;
            }

            """);
        File.WriteAllText(Path.Combine(work, "src", "main.cpp"), """
            #include <cstdio>
            #include <thread>
            #include "banner.h"

            void page_cleaner_thread();
            int helper_sum();

            int main() {
              std::puts(BANNER);
              std::thread cleaner(page_cleaner_thread);
              cleaner.join();
              std::printf("helpers: %d\n", helper_sum());
              return 0;
            }

            """);
        File.WriteAllText(Path.Combine(work, "src", "ctl.cpp"), """
            #include <cstdio>
            int main() { std::puts("cleanerctl"); return 0; }

            """);
        for (var i = 1; i <= 6; i++)
        {
            var body = i == 1
                ? "int helper1() { return 1; }\n"
                    + "int helper2(); int helper3(); int helper4(); int helper5(); int helper6();\n"
                    + "int helper_sum() { return helper1() + helper2() + helper3()"
                    + " + helper4() + helper5() + helper6(); }\n"
                : $"int helper{i}() {{ return {i}; }}\n";
            File.WriteAllText(Path.Combine(work, "src", $"helper{i}.cpp"), body);
        }
    }

    /// <summary>Writes the series by editing a checkout of the first tag and diffing.</summary>
    private string WriteSeries(string patches)
    {
        Directory.CreateDirectory(patches);
        var scratch = directory.Combine("series-work");
        Shell.Git(directory.Path, "clone", "-q", Repository, scratch);
        Shell.Git(scratch, "checkout", "-q", FirstTag);

        var cmake = Path.Combine(scratch, "CMakeLists.txt");
        File.WriteAllText(cmake, File.ReadAllText(cmake).Replace(
            "add_library(helpers",
            "option(WITH_PAGE_CLEANER_PRIORITY \"Raise the page cleaner's priority with setpriority()\" ON)\n"
            + "if(NOT WITH_PAGE_CLEANER_PRIORITY)\n"
            + "  add_compile_definitions(UNIV_NO_PAGE_CLEANER_PRIORITY)\n"
            + "endif()\n"
            + "add_library(helpers",
            StringComparison.Ordinal));
        var cleaner = Path.Combine(scratch, "src", "page_cleaner.cpp");
        File.WriteAllText(cleaner, File.ReadAllText(cleaner).Replace(
            "#ifdef UNIV_LINUX\n",
            "#if defined(UNIV_LINUX) && !defined(UNIV_NO_PAGE_CLEANER_PRIORITY)\n",
            StringComparison.Ordinal));
        var first = Shell.Git(scratch, "diff");
        Shell.Git(scratch, "commit", "-q", "-a", "-m", "first");

        var main = Path.Combine(scratch, "src", "main.cpp");
        File.WriteAllText(main, File.ReadAllText(main).Replace(
            "std::printf(\"helpers: %d\\n\", helper_sum());",
            "std::printf(\"helpers: %d (patched)\\n\", helper_sum());",
            StringComparison.Ordinal));
        var second = Shell.Git(scratch, "diff");

        File.WriteAllText(Path.Combine(patches, "0001-page-cleaner-priority-option.patch"), Header(
            "Make the page cleaner's priority optional at compile time",
            "Snap confinement forbids setpriority(); WITH_PAGE_CLEANER_PRIORITY=OFF compiles the call out.") + first);
        File.WriteAllText(Path.Combine(patches, "0002-mark-patched-build.patch"), Header(
            "Say in the output that this is the patched build",
            "Lets the tests see which build ran.") + second);
        File.WriteAllText(Path.Combine(patches, "series"), """
            # The tests' own series.
            0001-page-cleaner-priority-option.patch
            0002-mark-patched-build.patch -p1

            """);

        return patches;
    }

    private static string Header(string summary, string detail) => $"""
        Description: {summary}
         {detail}
        Author: Snap Maintainer <maintainer@example.invalid>
        Origin: vendor
        Forwarded: no
        Last-Update: 2026-11-30
        ---

        """;
}
