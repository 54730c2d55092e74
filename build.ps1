#!/usr/bin/env pwsh
# Build, test and pack DebertaGgml. On Linux: `dotnet tool restore; dotnet pwsh build.ps1 [-Target build|test|pack|all] [-Gpu]`.
# The native library is built by CMake from inside `dotnet build` (bindings/DebertaGgml.Native).
# -Gpu (with pack): also packs the optional GPU runtime packages DebertaGgml.Runtime.Cuda and DebertaGgml.Runtime.Vulkan,
# which downloads their ggml backends from npm (the CUDA one is 143 MB), so it is opt-in (docs/gpu.md).
param(
    [ValidateSet('build', 'test', 'pack', 'all')]
    [string]$Target = 'all',
    [string]$Configuration = 'Release',
    [switch]$Gpu
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Step([string]$Name, [scriptblock]$Body) {
    Write-Host "==> $Name"
    & $Body
    if ($LASTEXITCODE -ne 0) { throw "$Name failed with exit code $LASTEXITCODE" }
}

if ($Target -in 'build', 'all') {
    Invoke-Step 'build' { dotnet build DebertaGgml.sln -c $Configuration }
}
if ($Target -in 'test', 'all') {
    Invoke-Step 'test' { dotnet test DebertaGgml.sln -c $Configuration }
}
if ($Target -in 'pack', 'all') {
    # The packages carry every RID's libdeberta: this machine's from the build, the others cross-built first.
    if (-not $IsLinux) { throw 'pack cross-builds linux-arm64 and win-x64 with Debian toolchains: run it on Linux' }
    Invoke-Step 'cross-build' { bash native/cross-build.sh all }
    Invoke-Step 'pack' { dotnet pack DebertaGgml.sln -c $Configuration -o artifacts/packages }
    if ($Gpu) {
        foreach ($backend in 'Cuda', 'Vulkan') {
            Invoke-Step "pack $backend runtime" {
                dotnet pack "native/ggml-runtime-gpu/$backend/DebertaGgml.Runtime.$backend.csproj" -c $Configuration -o artifacts/packages
            }
        }
    }
}
