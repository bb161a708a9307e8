# Exercise 12: an R handler in lambdr's style. Write `summarise`: given the
# event's `numbers`, answer with how many there are and their mean; log how
# many it summarises; refuse an empty list with an R error.
#
# Check it with `cargo run -p workbook -- check 12`: it runs this file under
# chapter 12's runtime, with R (apt-get install r-base-core
# r-cran-jsonlite). Stuck? `cargo run -p workbook -- hint 12`.

# ANCHOR: exercise
summarise <- function(numbers) {
  stop("not yet implemented: summarise ", length(numbers), " numbers")
}
# ANCHOR_END: exercise
