#!/usr/bin/env pwsh
# Runs the build host: ./build.ps1 --target=Snap [options]. See README.md.
# The host is rebuilt only when its sources changed; otherwise the built program runs directly.
$ErrorActionPreference = 'Stop'

$root = $PSScriptRoot
$hostDir = Join-Path $root '.host'
$program = Join-Path $hostDir 'bin' (if ($IsWindows) { 'Build.exe' } else { 'Build' })
$stamp = Join-Path $hostDir 'sources.sha256'

function Get-SourcesDigest {
    $files = @(Get-ChildItem -Path (Join-Path $root 'build') -Recurse -File -Include '*.cs', '*.csproj', '*.props' |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' })
    $files += @(Get-ChildItem -Path $root -File | Where-Object { $_.Name -like 'Directory.*.props' -or $_.Name -in 'global.json', '.editorconfig' })
    $lines = $files | ForEach-Object {
        $relative = [IO.Path]::GetRelativePath($root, $_.FullName).Replace('\', '/')
        '{0} {1} {2}' -f $relative, $_.Length, $_.LastWriteTimeUtc.Ticks
    } | Sort-Object -CaseSensitive
    $bytes = [Text.Encoding]::UTF8.GetBytes(($lines -join "`n"))
    [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)).ToLowerInvariant()
}

$digest = Get-SourcesDigest
$current = if (Test-Path $stamp) { (Get-Content $stamp -Raw).Trim() } else { '' }
if (-not (Test-Path $program) -or $current -ne $digest) {
    if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
        Write-Error 'The .NET SDK is not installed; install the SDK named in global.json.'
        exit 2
    }
    Write-Host 'Building the build host (its sources changed)...'
    $log = "$hostDir.log"
    dotnet build (Join-Path $root 'build' 'Build.csproj') -c Release -o (Join-Path $hostDir 'bin') --nologo -v quiet *> $log
    if ($LASTEXITCODE -ne 0) {
        Get-Content $log | Write-Host
        Write-Error "Building the host failed; the output is above and in $log."
        exit 1
    }
    New-Item -ItemType Directory -Force -Path $hostDir | Out-Null
    Set-Content -Path "$stamp.tmp" -Value $digest -NoNewline
    Move-Item -Force "$stamp.tmp" $stamp
}

Set-Location $root
& $program @args
exit $LASTEXITCODE
