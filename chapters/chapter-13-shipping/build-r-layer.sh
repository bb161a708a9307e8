#!/usr/bin/env bash
# Builds R for Lambda and packages it as the R layer. Run it in a fresh
# container of public.ecr.aws/lambda/provided:al2023, from the repository's
# root, after chapter 13's static build (the book's "Deploying R" has the
# command). Writes target/r-deploy/r-layer.zip.
#   R_VERSION  the R release to build (default 4.5.1)
#   R_SHA256   the SHA-256 of its source, from R's release announcement
set -euo pipefail

R_VERSION=${R_VERSION:-4.5.1}
: "${R_SHA256:?set R_SHA256 to the SHA-256 of R-$R_VERSION.tar.gz from the release announcement}"
root=$PWD

# The libraries the image has before anything is installed: Lambda's
# provided.al2023 environment has these, and needs the others from the layer.
ls /usr/lib64 > /tmp/image-libraries.txt

# Compilers, and the libraries R is built against, with their headers.
dnf install -y tar gzip gawk sed grep findutils make gcc gcc-c++ gcc-gfortran \
  zlib-devel bzip2-devel xz-devel pcre2-devel libcurl-devel

# R's source from CRAN, checked against the announced checksum.
cd /tmp
curl -fsSLO "https://cran.r-project.org/src/base/R-4/R-$R_VERSION.tar.gz"
echo "$R_SHA256  R-$R_VERSION.tar.gz" | sha256sum --check
tar -xzf "R-$R_VERSION.tar.gz"
cd "R-$R_VERSION"
./configure --prefix=/opt/R --enable-R-shlib --without-x --with-readline=no \
  --with-recommended-packages=no
make -j "$(nproc)"
make install

# jsonlite, which the runtime's R worker needs, into R's own library.
/opt/R/bin/Rscript -e 'install.packages("jsonlite", lib = .Library,
  repos = "https://cloud.r-project.org")'

# Every library R's program and shared objects load, found by ldd; the
# layer's lib/ gets those the image lacks.
home=/opt/R/lib64/R
LD_LIBRARY_PATH=$home/lib ldd "$home/bin/exec/R" "$home"/lib/*.so \
  "$home"/modules/*.so "$home"/library/*/libs/*.so |
  awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u > /tmp/loaded.txt
libraries=()
while read -r library; do
  case $library in /opt/*) continue ;; esac
  grep -qxF "$(basename "$library")" /tmp/image-libraries.txt || libraries+=("$library")
done < /tmp/loaded.txt

cd "$root"
mkdir -p target/r-deploy
target/x86_64-unknown-linux-gnu/release/chapter-13 r-layer target/r-deploy/r-layer.zip \
  /opt/R "${libraries[@]}"
