#!/usr/bin/env bash
# The test command: installs the HDL tools when missing, checks formatting, runs every test and
# checks that the committed rtl-out/ and constraints/ match what the generators emit now.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need: the HDL tools, and Fashion-MNIST for the quantization report.
need=()
for tool in verilator yosys iverilog; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
# tclsh runs the generated Vivado scripts against stubs of Vivado's commands.
command -v tclsh >/dev/null 2>&1 || need+=(tcl)
# dtc compiles the device-tree overlay diffacc vivado writes.
command -v dtc >/dev/null 2>&1 || need+=(device-tree-compiler)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]} with apt-get ..."
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "error: ${need[*]} missing and neither root nor sudo is available; install them: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null; }; then
    echo "error: could not install ${need[*]} with apt-get; install them by hand: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  for tool in verilator yosys iverilog; do
    command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is still missing after apt-get install" >&2; exit 1; }
  done
  [ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || { echo "error: Fashion-MNIST is still missing after apt-get install dataset-fashion-mnist" >&2; exit 1; }
  command -v tclsh >/dev/null 2>&1 || { echo "error: tclsh is still missing after apt-get install tcl" >&2; exit 1; }
  command -v dtc >/dev/null 2>&1 || { echo "error: dtc is still missing after apt-get install device-tree-compiler" >&2; exit 1; }
fi

echo "== dotnet format --verify-no-changes"
dotnet format DiffAcc.sln --verify-no-changes

echo "== build"
dotnet build DiffAcc.sln -c Release --nologo -v q

echo "== generated files are up to date"
fresh=$(mktemp -d)
dotnet run --project cli -c Release --no-build -- generate --out "$fresh/rtl-out" --constraints "$fresh/constraints" >/dev/null
if ! diff -r rtl-out "$fresh/rtl-out" >/dev/null || ! diff -r constraints "$fresh/constraints" >/dev/null; then
  diff -r rtl-out "$fresh/rtl-out" | head -20 || true
  diff -r constraints "$fresh/constraints" | head -20 || true
  echo "error: rtl-out/ or constraints/ differ from what 'diffacc generate' emits now; run the README's main command and commit the result" >&2
  exit 1
fi

echo "== DiffAcc.Hdl packs as a NuGet package"
pack=$(mktemp -d)
dotnet pack hdl-dsl -c Release --no-build --nologo -v q -o "$pack" >/dev/null
ls "$pack"/DiffAcc.Hdl.*.nupkg >/dev/null

echo "== PyTorch reference outputs"
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import torch" >/dev/null 2>&1; then
  torch_ref=$(mktemp -d)
  /usr/bin/python3 model/pytorch/reference_ops.py "$torch_ref/fp32_ops.safetensors"
  export DIFFACC_TORCH_REFERENCE="$torch_ref/fp32_ops.safetensors"
  (cd model/pytorch && /usr/bin/python3 reference_unet.py "$torch_ref/tiny-unet")
  export DIFFACC_TORCH_UNET="$torch_ref/tiny-unet"
  echo "regenerated with PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
else
  echo "PyTorch is not installed: the FP32 tests compare with the committed reference (apt-get install python3-torch to regenerate it)"
fi

echo "== tests"
dotnet test DiffAcc.sln -c Release --no-build --nologo
