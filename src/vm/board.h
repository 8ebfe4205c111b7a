/* The PC platform of a VM instance (board.c): builds its devices into
 * the VM's device table and the port I/O and PCI buses. */
#ifndef MERIDIAN_BOARD_H
#define MERIDIAN_BOARD_H

struct vm;

/* 0 or -errno (-ECANCELED: already said why). */
int board_create(struct vm *vm);
/* After the device table is destroyed: the buses and the UART. */
void board_destroy(struct vm *vm);

#endif
