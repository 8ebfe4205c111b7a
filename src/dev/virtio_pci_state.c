/* Saving and loading the virtio PCI transport: PCI configuration space
 * (BAR addresses, MSI-X control), feature negotiation, status, every
 * queue's configuration and ring positions, the MSI-X table. Described
 * once as data (base/vmstate.h). Device models save this section plus
 * their own. */
#include "dev/virtio_pci.h"

#include <string.h>

#include "base/vmstate.h"

#define NQ VIRTIO_MAX_QUEUES

struct virtio_pci_state {
	uint8_t pci_config[PCI_CONFIG_BYTES];
	uint32_t device_feature_select, driver_feature_select;
	uint64_t driver_features;
	uint8_t status, config_generation, isr, broken_logged;
	uint16_t config_msix_vector, queue_select;
	uint16_t q_size[NQ], q_msix_vector[NQ];
	uint64_t q_desc_gpa[NQ], q_avail_gpa[NQ], q_used_gpa[NQ];
	uint8_t q_enabled[NQ], q_broken[NQ];
	uint16_t q_last_avail[NQ], q_used_idx[NQ], q_signalled_used[NQ];
	uint32_t msix[(NQ + 1) * 4];
	uint32_t msix_pending;
};

#define F(m) VMSTATE_FIELD(struct virtio_pci_state, m)
#define A(m) VMSTATE_ARRAY(struct virtio_pci_state, m)
static const struct vmstate_field fields[] = {
	A(pci_config), F(device_feature_select), F(driver_feature_select), F(driver_features),
	F(status), F(config_generation), F(isr), F(broken_logged), F(config_msix_vector),
	F(queue_select), A(q_size), A(q_msix_vector), A(q_desc_gpa), A(q_avail_gpa),
	A(q_used_gpa), A(q_enabled), A(q_broken), A(q_last_avail), A(q_used_idx),
	A(q_signalled_used), A(msix), F(msix_pending),
};
static const struct vmstate_desc desc = {
	.name = "virtio-pci", .version = 1, .fields = fields,
	.nr_fields = sizeof(fields) / sizeof(fields[0]),
};

size_t virtio_pci_state_bytes(void)
{
	return vmstate_bytes(&desc);
}

ssize_t virtio_pci_save(struct virtio_pci *vp, uint8_t *buf, size_t cap)
{
	struct virtio_pci_state s;
	ssize_t n;

	memset(&s, 0, sizeof(s));
	pthread_mutex_lock(&vp->lock);
	memcpy(s.pci_config, vp->pci.config, sizeof(s.pci_config));
	s.device_feature_select = vp->device_feature_select;
	s.driver_feature_select = vp->driver_feature_select;
	s.driver_features = vp->driver_features;
	s.status = vp->status;
	s.config_generation = vp->config_generation;
	s.isr = vp->isr;
	s.broken_logged = vp->broken_logged;
	s.config_msix_vector = vp->config_msix_vector;
	s.queue_select = vp->queue_select;
	for (unsigned q = 0; q < NQ; q++) {
		const struct virtq *vq = &vp->vq[q];

		s.q_size[q] = vp->qcfg[q].size;
		s.q_msix_vector[q] = vp->qcfg[q].msix_vector;
		s.q_desc_gpa[q] = vp->qcfg[q].desc_gpa;
		s.q_avail_gpa[q] = vp->qcfg[q].avail_gpa;
		s.q_used_gpa[q] = vp->qcfg[q].used_gpa;
		s.q_enabled[q] = vq->enabled;
		s.q_broken[q] = vq->broken;
		s.q_last_avail[q] = vq->last_avail;
		s.q_used_idx[q] = vq->used_idx;
		s.q_signalled_used[q] = vq->signalled_used;
	}
	memcpy(s.msix, vp->msix, sizeof(s.msix));
	s.msix_pending = vp->msix_pending;
	n = vmstate_save(&desc, &s, buf, cap);
	pthread_mutex_unlock(&vp->lock);
	return n;
}

ssize_t virtio_pci_load(struct virtio_pci *vp, const uint8_t *buf, size_t len, char *err,
			int err_len)
{
	struct virtio_pci_state s;
	ssize_t n = vmstate_load(&desc, &s, buf, len, err, err_len);

	if (n < 0)
		return -1;
	pthread_mutex_lock(&vp->lock);
	virtio_pci_reset_locked(vp);
	/* identity and capabilities are this meridian's; only what the
	 * guest may write comes from the stream */
	for (unsigned i = 0; i < PCI_CONFIG_BYTES; i++)
		vp->pci.config[i] = (uint8_t)((vp->pci.config[i] & ~vp->pci.wmask[i]) |
					      (s.pci_config[i] & vp->pci.wmask[i]));
	vp->device_feature_select = s.device_feature_select;
	vp->driver_feature_select = s.driver_feature_select;
	vp->driver_features = s.driver_features;
	vp->config_generation = s.config_generation;
	vp->isr = s.isr;
	vp->broken_logged = s.broken_logged;
	vp->config_msix_vector = s.config_msix_vector;
	vp->queue_select = s.queue_select;
	for (unsigned q = 0; q < NQ; q++) {
		vp->qcfg[q] = (struct virtio_queue_cfg){
			.size = s.q_size[q], .msix_vector = s.q_msix_vector[q],
			.desc_gpa = s.q_desc_gpa[q], .avail_gpa = s.q_avail_gpa[q],
			.used_gpa = s.q_used_gpa[q] };
	}
	memcpy(vp->msix, s.msix, sizeof(vp->msix));
	vp->msix_pending = s.msix_pending;
	/* the rings are checked again against this VM's RAM, as at enable */
	virtio_pci_resume_locked(vp, s.status, s.q_enabled, s.q_last_avail, s.q_used_idx,
				 s.q_signalled_used, s.q_broken);
	pthread_mutex_unlock(&vp->lock);
	return n;
}

ssize_t virtio_pci_dev_save(void *dev, uint8_t *buf, size_t cap)
{
	return virtio_pci_save(dev, buf, cap);
}

ssize_t virtio_pci_dev_load(void *dev, const uint8_t *buf, size_t len, char *err, int err_len)
{
	return virtio_pci_load(dev, buf, len, err, err_len);
}
