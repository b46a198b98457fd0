# db_time.gp, written by th-report: gnuplot results/fidelity/report/db_time.gp
set datafile separator '\t'
set datafile missing '?'
data = 'results/fidelity/report/db_time.dat'
set xrange [0.5:7.5]
set style data boxplot
set style boxplot outliers pointtype 7
set logscale y
set ylabel 'job database time (ms)'
set xtics rotate by -25
set bmargin 7
set grid ytics
set title 'Time inside tracker calls per job (box: quartiles; whiskers: 1.5 IQR; points beyond)'
draw = "plot data using (1):2:(0.5):1 notitle lc rgb '#1f77b4'"
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
  set terminal pngcairo size 900,500
} else {
  set terminal png size 900,500
}
set output 'results/fidelity/report/db_time.png'
eval draw
set terminal svg size 900,500
set output 'results/fidelity/report/db_time.svg'
eval draw
