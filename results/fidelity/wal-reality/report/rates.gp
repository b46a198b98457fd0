# rates.gp, written by th-report: gnuplot results/fidelity/wal-reality/report/rates.gp
set datafile separator '\t'
set datafile missing '?'
data = 'results/fidelity/wal-reality/report/rates.dat'
set xrange [-0.5:8.5]
set ylabel 'jobs with disk I/O error (%)'
set xtics rotate by -25
set yrange [0:*]
set key top right
set grid ytics
set bmargin 7
set title 'I/O-error rate per configuration, Wilson 95% intervals'
set style line 1 lc rgb '#1f77b4' pt 7
set style line 2 lc rgb '#d62728' pt 5
draw = "plot data using 0:(NaN):xtic(1) notitle, data using ($0 - 0.12):2:3:4 with yerrorbars ls 1 title 'this run', data using ($0 + 0.12):5:6:7 with yerrorbars ls 2 title 'published'"
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
  set terminal pngcairo size 900,500
} else {
  set terminal png size 900,500
}
set output 'results/fidelity/wal-reality/report/rates.png'
eval draw
set terminal svg size 900,500
set output 'results/fidelity/wal-reality/report/rates.svg'
eval draw
