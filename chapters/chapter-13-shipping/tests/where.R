# Where the R that answers comes from, for the test of the R layer
# (tests/r_layer.rs), in the string style (R_HANDLER_STYLE=string): one line
# per fact, a name and a path.
origin <- function(event) {
  # Every shared library this R process has loaded, from the kernel's map of
  # its memory: the path is the last field of a line.
  maps <- readLines("/proc/self/maps")
  loaded <- unique(sub("^[^/]*", "", grep("\\.so", maps, value = TRUE)))
  paste(
    c(
      paste("home", normalizePath(R.home())),
      paste("program", Sys.readlink("/proc/self/exe")),
      paste("jsonlite", normalizePath(find.package("jsonlite"))),
      paste("loaded", loaded)
    ),
    collapse = "\n"
  )
}
