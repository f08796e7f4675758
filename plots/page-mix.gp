# page-mix.gp - how the driver mapped the buffers at each RAM fragmentation, in two
# panels: on the left the share of their pages of each size, on the right the share
# of the bytes those pages map, each stacked to 100%. Columns: fragmentation, the
# share (%) of 4k, 64k, 1m and 16m pages, then bytes_4k .. bytes_16m. One 1 MiB page
# maps what 256 pages of 4 KiB do, so the two panels can look nothing alike.
load plotsdir.'/common.gp'

sizes = '4k 64k 1m 16m'
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.6
set yrange [0:100]
set title
set key autotitle columnheader
set key below horizontal

do for [ext in formats] {
    eval(terminal(ext))
    set output outbase.'.'.ext
    set multiplot layout 1,2 title title."\n".subtitle
    set xlabel 'RAM fragmentation'
    set ylabel 'share of pages (%)'
    plot for [i=2:5] datafile using i:xtic(1) lt (i-1) title word(sizes, i-1)
    set ylabel 'share of bytes mapped (%)'
    plot for [i=6:9] datafile using i:xtic(1) lt (i-5) title word(sizes, i-5)
    unset multiplot
    unset output
}
